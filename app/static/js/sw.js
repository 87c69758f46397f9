/*
 * Pages that open without a connection: the host's scanning page (a worker for /host/) and
 * the resident's card (a worker for /me/). One script, served twice.
 *
 * Served by the app at /host/sw.js and /me/sw.js (app/host/offline.py), which put one line
 * before this file: `var CUNYUE_OFFLINE = {version, assets, pageCache, pages}` — the page's
 * static files by their versioned URLs (?v=<hash>), a version made of those hashes, the page
 * cache's name and the pattern of the paths it keeps, so a release that changes a file
 * changes this script and the browser installs the new worker.
 *
 * What it keeps:
 * - the scanning page's static files (CSS, jsQR, scanner.js, checkin.js, offline.js), in a
 *   cache named after the version; older versions' caches are deleted on activation;
 * - the scanning pages (/host/events/<id>/scan) this browser has opened, in one page cache:
 *   fetched from the network first and stored when the server answers 200; served from the
 *   cache only when the network fails (or is slower than PAGE_TIMEOUT_MS). An answer that
 *   is not the page (a redirect to the login page, 403, 404) removes the stored copy. The
 *   login page empties the page cache (app/static/js/offline-forget.js), so logging out, or
 *   another person logging in on this phone, leaves no page of the previous login behind.
 *
 * Nothing else is cached: not the API, not other pages, not POSTs.
 */
/* global CUNYUE_OFFLINE */
"use strict";

var CONFIG = self.CUNYUE_OFFLINE ||
  { version: "none", assets: [], pageCache: "cunyue-pages", pages: "^/host/events/\\d+/scan$" };
var PAGE_CACHE = CONFIG.pageCache;
// Each worker (scope) has its own static cache: activating one never deletes the other's.
var STATIC_PREFIX = "cunyue-static-" + PAGE_CACHE + "-";
var STATIC_CACHE = STATIC_PREFIX + CONFIG.version;
var SCAN_PAGE = new RegExp(CONFIG.pages);
var PAGE_TIMEOUT_MS = 6000;
var ASSETS = {};
CONFIG.assets.forEach(function (url) { ASSETS[url] = true; });

function pageKey(url) {
  var u = new URL(url, self.location.href);
  return u.origin + u.pathname;
}

function isScanPage(url) {
  var u = new URL(url, self.location.href);
  return u.origin === self.location.origin && SCAN_PAGE.test(u.pathname);
}

// Store the page's answer, or forget the page when the answer is not the page.
function remember(key, response) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    if (response.status === 200 && response.type === "basic" && !response.redirected) {
      return cache.put(key, response.clone());
    }
    if (response.type === "opaqueredirect" || response.redirected ||
        response.status === 401 || response.status === 403 || response.status === 404) {
      return cache.delete(key);
    }
    return undefined;
  });
}

function fetchPage(url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
    .then(function (response) {
      return remember(pageKey(url), response).then(function () { return response; });
    });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(CONFIG.assets); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        // also the host worker's caches of before one cache per worker (no page cache name)
        return (name.indexOf(STATIC_PREFIX) === 0 && name !== STATIC_CACHE) ||
          /^cunyue-static-[0-9a-f]+$/.test(name);
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () {
      // Pages kept by an older version name its files: fetch them again (best effort; a
      // page that cannot be fetched now keeps its copy).
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (req) {
            return fetchPage(req.url).catch(function () {});
          }));
        });
      });
    }).then(function () { return self.clients.claim(); })
  );
});

// The page asks to be kept (its first load happens before this worker controls it).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep-page" || !isScanPage(data.url)) return;
  var reply = function (ok) {
    if (event.source) event.source.postMessage({ type: "page-kept", url: data.url, ok: ok });
  };
  event.waitUntil(fetchPage(data.url).then(function (response) {
    reply(response.status === 200);
  }, function () {
    // No connection: the page is still kept if an earlier visit stored it.
    return caches.match(pageKey(data.url), { cacheName: PAGE_CACHE }).then(function (hit) {
      reply(!!hit);
    });
  }));
});

function servePage(request) {
  var key = pageKey(request.url);
  var network = fetch(request).then(function (response) {
    return remember(key, response).then(function () { return response; });
  });
  network.catch(function () { /* answered below, from the cache */ });
  var timer = null;
  var slow = new Promise(function (resolve) {
    timer = setTimeout(function () {
      caches.match(key, { cacheName: PAGE_CACHE }).then(resolve);
    }, PAGE_TIMEOUT_MS);
  });
  return Promise.race([
    network.then(function (response) { clearTimeout(timer); return response; }),
    slow.then(function (cached) { return cached || network; })
  ]).catch(function () {
    clearTimeout(timer);
    return caches.match(key, { cacheName: PAGE_CACHE }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function serveAsset(request) {
  return caches.match(request, { cacheName: STATIC_CACHE }).then(function (hit) {
    return hit || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCAN_PAGE.test(url.pathname)) {
    event.respondWith(servePage(request));
  } else if (ASSETS[url.pathname + url.search]) {
    event.respondWith(serveAsset(request));
  }
});
