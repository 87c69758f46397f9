/*
 * A page kept on the phone registers its service worker (see app/static/js/sw.js) and asks it
 * to keep this page, so it opens again with no connection. When the page is kept, the note
 * #offline-ready is shown; when it was opened with no connection (the kept copy), the note
 * #offline-copy is. Loaded by templates/host/scan.html and templates/host/my_card.html:
 *
 *   <script src=".../offline.js" data-sw="/host/sw.js"></script>   (or /me/sw.js)
 *
 * Browsers without service workers (or on plain HTTP away from this machine) simply skip it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = script && script.getAttribute("data-sw");
  var note = document.getElementById("offline-ready");
  var copy = document.getElementById("offline-copy");
  if (copy && navigator.onLine === false) copy.hidden = false;
  if (!swUrl || !("serviceWorker" in navigator) || !window.isSecureContext) return;

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "page-kept" && data.url === location.href && note) {
      note.hidden = !data.ok;
      document.documentElement.setAttribute("data-offline-ready", data.ok ? "1" : "0");
    }
  });

  navigator.serviceWorker.register(swUrl).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    if (registration.active) {
      registration.active.postMessage({ type: "keep-page", url: location.href });
    }
  }).catch(function () { /* no offline copy: the page still works online */ });
})();
