/* The projector page: reload the rotating event code when it changes (every ~30 s). */
(function () {
  "use strict";
  var root = document.getElementById("projector");
  var img = document.getElementById("event-code");
  if (!root || !img) return;
  var src = root.dataset.src;
  function refresh() {
    fetch(src + "?t=" + Date.now(), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        var wait = parseInt(r.headers.get("X-Expires-In") || "30", 10);
        return r.blob().then(function (b) {
          var old = img.src;
          img.src = URL.createObjectURL(b);
          if (old.indexOf("blob:") === 0) URL.revokeObjectURL(old);
          setTimeout(refresh, Math.max(wait, 1) * 1000 + 300);
        });
      }, function () { setTimeout(refresh, 5000); });
  }
  setTimeout(refresh, (parseInt(root.dataset.expiresIn || "30", 10) || 30) * 1000 + 300);
})();
