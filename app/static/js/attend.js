/* A resident's own check-in: send this phone's device id, so the host can spot one phone
   checking in many people. */
(function () {
  "use strict";
  var field = document.querySelector("#self-checkin input[name=client_id]");
  if (!field) return;
  var id = null;
  try { id = localStorage.getItem("cunyue.clientId"); } catch (e) { /* private mode */ }
  if (!id) {
    id = "d" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    try { localStorage.setItem("cunyue.clientId", id); } catch (e) { /* private mode */ }
  }
  field.value = id;
})();
