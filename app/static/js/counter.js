/*
 * The shop counter: the camera card scanner, the card hook, +/- buttons and the live
 * remaining balance.
 *
 * A camera scan is first checked with POST /api/v1/cards/resolve so the clerk sees at once,
 * in a big green or red box with a beep and a buzz (as on the host's scanning page), whose
 * card it is or why it was refused; an accepted card then opens that household's basket via
 * window.cunyueCounter.useCard (the typed/USB card form, answered by the server). With no
 * connection to the API the card form is sent directly. On a household's page the camera
 * stays off until "Scan the next card", so a card left in view cannot replace the basket.
 */
(function () {
  "use strict";
  var cardForm = document.getElementById("card-form");
  var SCANNED_KEY = "cunyue.counter.scanned";

  // A camera scanner (or anything else) hands a card payload or short code to the counter.
  window.cunyueCounter = {
    useCard: function (payload) {
      if (!cardForm || !payload) { return; }
      cardForm.querySelector("[name=card]").value = String(payload).trim();
      cardForm.submit();
    }
  };

  function setupScanner() {
    var find = document.getElementById("counter-find");
    var camera = document.getElementById("counter-camera");
    var resultBox = document.getElementById("scan-result");
    var nextBtn = document.getElementById("scan-next");
    if (!find || !camera || !resultBox || !window.CunyueScanner) { return; }
    var d = find.dataset;
    var scanner = null;
    var busy = false;

    function show(kind, title, detail) {
      resultBox.className = "scan-result " + kind;
      resultBox.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = title;
      resultBox.appendChild(strong);
      if (detail) { resultBox.appendChild(document.createTextNode(detail)); }
      if (kind !== "busy") { CunyueScanner.feedback(kind); }
    }

    function accepted(text, body) {
      var h = body.household || {};
      var who = body.resident && body.resident.name ? body.resident.name : String(h.number);
      show("ok", who, d.msgFound.replace("{number}", h.number).replace("{balance}", h.balance));
      if (scanner) { scanner.stop(); }
      try { sessionStorage.setItem(SCANNED_KEY, "1"); } catch (e) { /* private mode */ }
      // Long enough for the beep and for the clerk to see the green box, then the basket.
      window.setTimeout(function () { window.cunyueCounter.useCard(text); }, 600);
    }

    function onPayload(text, how) {
      if (busy) { return; }
      if (how === "typed") { window.cunyueCounter.useCard(text); return; }
      busy = true;
      show("busy", d.msgLooking, "");
      fetch(d.resolveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
        body: JSON.stringify({ payload: text })
      }).then(function (resp) {
        return resp.json().then(function (json) { return { status: resp.status, body: json }; },
          function () { return { status: resp.status, body: null }; });
      }).then(function (r) {
        if (r.status === 200 && r.body && r.body.household) { accepted(text, r.body); return; }
        if (r.status >= 500 || !r.body) { window.cunyueCounter.useCard(text); return; }
        busy = false;
        show("error", d.msgRefused, r.body.message || "");
      }, function () {
        // The API could not be reached: let the page's own card lookup answer.
        window.cunyueCounter.useCard(text);
      });
    }

    function start() {
      if (scanner) { return; }
      camera.hidden = false;
      if (nextBtn) { nextBtn.hidden = true; }
      scanner = CunyueScanner.mount(document.getElementById("scanner"), {
        onPayload: onPayload,
        onError: function () {
          var input = cardForm && cardForm.querySelector("[name=card]");
          if (input) { input.focus(); }
        }
      });
    }

    if (nextBtn) {
      nextBtn.addEventListener("click", function () {
        start();
        camera.scrollIntoView({ block: "start", behavior: "smooth" });
      });
    }
    if (d.autostart === "1") { start(); }
  }
  setupScanner();

  // Arrived here from a camera scan: mark the household unmistakably for a moment.
  var panel = document.getElementById("household-panel");
  var scanned = null;
  try { scanned = sessionStorage.getItem(SCANNED_KEY); sessionStorage.removeItem(SCANNED_KEY); } catch (e) { /* private mode */ }
  if (panel && scanned) { panel.classList.add("just-scanned"); }

  var basket = document.getElementById("basket");
  if (!basket) { return; }
  var balance = parseInt(basket.getAttribute("data-balance"), 10) || 0;
  var totalEl = document.getElementById("total");
  var remainingEl = document.getElementById("remaining");
  var confirmBtn = document.getElementById("confirm");
  var whyEl = document.getElementById("confirm-why");

  function quantity(input) {
    var n = parseInt(input.value, 10);
    return isNaN(n) || n < 0 ? 0 : n;
  }

  function recalc() {
    var total = 0;
    var count = 0;
    basket.querySelectorAll("li.line").forEach(function (li) {
      var q = quantity(li.querySelector("input"));
      total += q * (parseInt(li.getAttribute("data-price"), 10) || 0);
      count += q;
      li.classList.toggle("chosen", q > 0);
    });
    var remaining = balance - total;
    totalEl.textContent = String(total);
    remainingEl.textContent = String(remaining);
    remainingEl.classList.toggle("over", remaining < 0);
    confirmBtn.disabled = count === 0 || remaining < 0;
    // A greyed-out button says why it cannot be pressed.
    if (whyEl) {
      whyEl.textContent = count === 0 ? whyEl.getAttribute("data-msg-empty")
        : remaining < 0 ? whyEl.getAttribute("data-msg-short").replace("{n}", String(-remaining)) : "";
      whyEl.classList.toggle("over", remaining < 0);
    }
  }

  basket.addEventListener("click", function (event) {
    var button = event.target.closest("button.step");
    if (!button) { return; }
    var input = button.parentNode.querySelector("input");
    var max = parseInt(input.getAttribute("max"), 10);
    var next = quantity(input) + parseInt(button.getAttribute("data-step"), 10);
    if (next < 0) { next = 0; }
    if (!isNaN(max) && next > max) { next = max; }
    input.value = String(next);
    recalc();
  });
  basket.addEventListener("input", recalc);
  // A double tap sends the form once; the server's one-time token catches any repeat.
  basket.addEventListener("submit", function (event) {
    if (basket.getAttribute("data-sent")) { event.preventDefault(); return; }
    basket.setAttribute("data-sent", "1");
    window.setTimeout(function () { confirmBtn.disabled = true; }, 0);
  });
  recalc();
}());
