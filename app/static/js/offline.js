/*
 * The scanning page registers the host's service worker (/host/sw.js, see app/static/js/sw.js)
 * and asks it to keep this page, so the host can open it again with no connection. When the
 * page is kept, the note #offline-ready is shown. Loaded by templates/host/scan.html:
 *
 *   <script src=".../offline.js" data-sw="/host/sw.js"></script>
 *
 * Browsers without service workers (or on plain HTTP away from this machine) simply skip it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = script && script.getAttribute("data-sw");
  var note = document.getElementById("offline-ready");
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
