/* The shop counter: card hook for scanners, +/- buttons and the live remaining balance. */
(function () {
  "use strict";
  var cardForm = document.getElementById("card-form");

  // A camera scanner (or anything else) hands a card payload or short code to the counter.
  window.cunyueCounter = {
    useCard: function (payload) {
      if (!cardForm || !payload) { return; }
      cardForm.querySelector("[name=card]").value = String(payload).trim();
      cardForm.submit();
    }
  };

  var basket = document.getElementById("basket");
  if (!basket) { return; }
  var balance = parseInt(basket.getAttribute("data-balance"), 10) || 0;
  var totalEl = document.getElementById("total");
  var remainingEl = document.getElementById("remaining");
  var confirmBtn = document.getElementById("confirm");

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
