// Keyboard decisions on the match review page (documented on the page itself).
(function () {
  "use strict";
  var list = document.querySelector(".candidates");
  var cards = list ? Array.prototype.slice.call(list.querySelectorAll(".candidate")) : [];
  var current = 0;

  function select(index) {
    if (!cards.length) { return; }
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach(function (card, i) { card.classList.toggle("selected", i === current); card.setAttribute("aria-current", i === current ? "true" : "false"); });
    cards[current].focus({ preventScroll: false });
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function submit(selector) {
    var form = document.querySelector(selector);
    if (form) { form.submit(); }
  }

  cards.forEach(function (card, i) {
    card.addEventListener("focus", function () { if (current !== i) { select(i); } });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) { return; }
    var key = event.key;
    if (key === "ArrowDown" || key === "ArrowRight" || key === "j") { select(current + 1); event.preventDefault(); return; }
    if (key === "ArrowUp" || key === "ArrowLeft" || key === "k") { select(current - 1); event.preventDefault(); return; }
    if (key === "s" || key === "n" || key === "c") {
      if (!cards.length) { return; }
      var form = cards[current].querySelector('form[data-key="' + key + '"]');
      if (form) { event.preventDefault(); form.submit(); }
      return;
    }
    if (key === "a") { event.preventDefault(); submit("#new-individual"); return; }
    if (key === "z") { event.preventDefault(); submit("#undo-last"); return; }
    if (key === "]") { var next = document.querySelector('a[rel="next"]'); if (next) { window.location = next.href; } return; }
    if (key === "[") { var prev = document.querySelector('a[rel="prev"]'); if (prev) { window.location = prev.href; } }
  });

  if (list) { select(parseInt(list.dataset.position || "0", 10) || 0); }
})();
