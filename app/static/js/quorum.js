// The meeting page's quorum box: read again every ten seconds while the page is open.
(function () {
  var box = document.getElementById("quorum");
  if (!box || !window.fetch) return;
  function set(name, value) {
    var el = box.querySelector('[data-q="' + name + '"]');
    if (el) el.textContent = value;
  }
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (q) {
        if (!q) return;
        set("called", q.called);
        set("present", q.present);
        set("needed", q.needed);
        var state = box.querySelector('[data-q="state"]');
        state.textContent = q.reached ? state.dataset.yes : state.dataset.no;
        box.classList.toggle("reached", q.reached);
        box.classList.toggle("short", !q.reached);
      })
      .catch(function () {});
  }
  setInterval(refresh, 10000);
})();
