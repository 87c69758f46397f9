/*
 * On the login page: forget the pages the service workers kept for offline use (the host's
 * scanning pages, "cunyue-pages", and the resident's card, "cunyue-pages-card"; see
 * app/static/js/sw.js), so the next person to log in on this phone cannot open a page of
 * the previous login without a connection. Everyone passes through the login page after
 * logging out, and before logging in. The static files stay (they are the same for all).
 * Scans still waiting to be sent (localStorage) are left alone.
 */
(function () {
  "use strict";
  if (!("caches" in window)) return;
  caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("cunyue-pages") === 0;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () {
    document.documentElement.setAttribute("data-offline-pages", "forgotten");
  }, function () { /* storage unavailable: nothing was kept either */ });
})();
