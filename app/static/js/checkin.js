/*
 * The host's check-in page: each scan or typed code is sent to
 * POST /api/v1/events/{id}/checkins. When the phone is offline (or the request cannot reach
 * the server) the scan is queued in localStorage with its scan time and this device's client
 * id, the page shows how many are waiting, and the queue is sent when the connection returns
 * (the "online" event, and a retry every 10 s). Each scan carries its own Idempotency-Key, so
 * a scan sent twice is recorded once. A queued scan the server refuses for want of a login
 * (401, 403, an expired CSRF token) stays queued until the host logs in and opens the page.
 *
 * The page itself is kept on the phone by the host's service worker (offline.js, sw.js), so
 * it opens with no connection when it was opened once before.
 */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var d = root.dataset;
  var checkinUrl = d.checkinUrl;
  var checkoutUrl = d.checkoutUrl;
  var modeBox = document.getElementById("checkout-mode");
  function currentUrl() { return modeBox && modeBox.checked ? checkoutUrl : checkinUrl; }
  var searchUrl = d.searchUrl;
  var csrf = d.csrf;
  var zone = d.timezone || undefined;
  var resultBox = document.getElementById("scan-result");
  var countEl = document.getElementById("scan-count");
  var queuedEl = document.getElementById("scan-queued");
  var queuedBox = document.getElementById("scan-queued-box");
  var count = parseInt(d.count || "0", 10);
  var QUEUE_KEY = "cunyue.checkin.queue." + d.eventId;
  var SHORT_CODE = /^\s*\d{1,9}\s*[- ]?\s*\d{5}\s*$/;

  function clientId() {
    var id = null;
    try { id = localStorage.getItem("cunyue.clientId"); } catch (e) { /* private mode */ }
    if (!id) {
      id = "d" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      try { localStorage.setItem("cunyue.clientId", id); } catch (e) { /* private mode */ }
    }
    return id;
  }
  var CLIENT = clientId();
  var seq = 0;

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(q) {
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); } catch (e) { /* full */ }
    showQueue();
  }
  function showQueue() {
    var n = loadQueue().length;
    queuedEl.textContent = String(n);
    queuedBox.hidden = n === 0;
  }

  function timeText(iso) {
    try {
      return new Date(iso).toLocaleTimeString(d.locale || "zh-CN", {
        hour: "2-digit", minute: "2-digit", timeZone: zone
      });
    } catch (e) { return iso; }
  }

  // The name in large type for FLASH_MS, readable from arm's length in a noisy hall.
  var FLASH_MS = 2000;
  var flashBox = document.getElementById("scan-flash");
  var flashTimer = null;
  function flash(kind, title, detail) {
    if (!flashBox) return;
    flashBox.className = "scan-flash " + kind;
    flashBox.innerHTML = "";
    flashBox.appendChild(document.createTextNode(title));
    if (detail) {
      var small = document.createElement("small");
      small.textContent = detail;
      flashBox.appendChild(small);
    }
    flashBox.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { flashBox.hidden = true; }, FLASH_MS);
  }

  function show(kind, title, detail) {
    flash(kind, title, detail);
    resultBox.className = "scan-result " + kind;
    resultBox.innerHTML = "";
    var strong = document.createElement("strong");
    strong.textContent = title;
    resultBox.appendChild(strong);
    if (detail) resultBox.appendChild(document.createTextNode(detail));
    CunyueScanner.feedback(kind);
  }

  function handleResponse(status, body, target) {
    if (target === checkoutUrl && status === 200) {
      show("ok", body.resident.name, d.msgCheckedOut.replace("{hours}", body.hours)
        .replace("{points}", body.points_awarded));
    } else if (status === 201) {
      count += 1;
      countEl.textContent = String(count);
      show("ok", body.resident.name, d.msgPoints.replace("{points}", body.points_awarded));
    } else if (status === 200 && body.already) {
      show("warn", body.resident.name, d.msgAlready.replace("{time}", timeText(body.checked_in_at)));
    } else {
      show("error", d.msgInvalid, body && body.message ? body.message : "");
    }
  }

  function post(target, body, key) {
    return fetch(target, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": key },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().then(function (json) { return { status: resp.status, body: json }; },
        function () { return { status: resp.status, body: null }; });
    });
  }

  function enqueue(item) {
    var q = loadQueue();
    q.push(item);
    saveQueue(q);
    show("warn", d.msgQueuedTitle, d.msgQueued);
  }

  function newItem(body) {
    seq += 1;
    return { url: currentUrl(), body: body,
             key: CLIENT + ":" + Date.now().toString(36) + ":" + seq,
             scanned_at: new Date().toISOString() };
  }

  function send(body) {
    var item = newItem(body);
    if (navigator.onLine === false) { enqueue(item); return; }
    // At once, before the server's answer (a round trip can take a second on one bar of
    // signal): the card was read and is being recorded.
    resultBox.className = "scan-result pending";
    resultBox.textContent = d.msgPending;
    post(item.url, body, item.key).then(function (r) {
      if (r.status >= 500 || r.status === 0) { enqueue(item); return; }
      handleResponse(r.status, r.body || {}, item.url);
    }, function () { enqueue(item); });
  }

  function loginNeeded(r) {
    return r.status === 401 || r.status === 403 || (r.body && r.body.error === "csrf");
  }

  var flushing = false;
  function flush() {
    if (flushing || navigator.onLine === false) return;
    var q = loadQueue();
    if (!q.length) return;
    flushing = true;
    var item = q[0];
    var body = Object.assign({}, item.body, { scanned_at: item.scanned_at, client_id: CLIENT });
    var target = item.url || checkinUrl;
    post(target, body, item.key).then(function (r) {
      flushing = false;
      if (r.status >= 500) return;
      if (loginNeeded(r)) {
        // The login ended (logged out elsewhere, or a page opened from the phone's copy
        // after the session was gone): keep every scan until someone logs in again.
        show("warn", d.msgQueuedTitle, d.msgLoginAgain);
        return;
      }
      saveQueue(loadQueue().slice(1));
      if (r.status === 201 && target === checkinUrl) { count += 1; countEl.textContent = String(count); }
      flush();
    }, function () { flushing = false; });
  }

  function onPayload(text, how) {
    if (how === "typed" && !SHORT_CODE.test(text) && text.indexOf("CY") !== 0) {
      search(text);
      return;
    }
    send({ card: text });
  }

  var results = document.getElementById("search-results");
  function search(q) {
    fetch(searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (json) {
        results.innerHTML = "";
        (json.items || []).forEach(function (p) {
          var li = document.createElement("li");
          var span = document.createElement("span");
          span.textContent = p.name + " · " + p.household_number + (p.group ? " · " + p.group : "");
          li.appendChild(span);
          var btn = document.createElement("button");
          btn.type = "button";
          btn.textContent = p.checked_in ? d.msgDone : d.msgCheckIn;
          btn.disabled = !!p.checked_in;
          btn.addEventListener("click", function () {
            send({ resident_id: p.id });
            btn.disabled = true;
            btn.textContent = d.msgDone;
          });
          li.appendChild(btn);
          results.appendChild(li);
        });
        if (!json.items || !json.items.length) {
          var none = document.createElement("li");
          none.textContent = d.msgNoMatch;
          results.appendChild(none);
        }
      }, function () { /* offline: search needs the server */ });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 10000);
  showQueue();
  flush();
  CunyueScanner.mount(document.getElementById("scanner"), { onPayload: onPayload });
})();
