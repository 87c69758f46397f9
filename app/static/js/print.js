// The print button of printable sheets (no inline script: the CSP forbids it).
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
