// Draw a box on a photo of the identify page; the numbers go into the "add annotation" form.
(function () {
  "use strict";
  var form = document.getElementById("add-annotation");
  if (!form) { return; }
  function field(name) { return form.querySelector('[name="' + name + '"]'); }
  Array.prototype.forEach.call(document.querySelectorAll(".frame"), function (frame) {
    var box = frame.querySelector(".frame-box");
    var img = box.querySelector("img");
    var drawing = box.querySelector(".box-drawing");
    var start = null;
    function point(event) {
      var r = img.getBoundingClientRect();
      return { x: Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (event.clientY - r.top) / r.height)) };
    }
    function show(a, b) {
      var x = Math.min(a.x, b.x), y = Math.min(a.y, b.y), w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
      drawing.hidden = false;
      drawing.style.left = (x * 100) + "%"; drawing.style.top = (y * 100) + "%";
      drawing.style.width = (w * 100) + "%"; drawing.style.height = (h * 100) + "%";
      return { x: x, y: y, w: w, h: h };
    }
    box.addEventListener("pointerdown", function (event) { start = point(event); box.setPointerCapture(event.pointerId); event.preventDefault(); });
    box.addEventListener("pointermove", function (event) { if (start) { show(start, point(event)); } });
    box.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var b = show(start, point(event));
      start = null;
      if (b.w < 0.01 || b.h < 0.01) { drawing.hidden = true; return; }
      field("media").value = frame.dataset.media;
      field("x").value = b.x.toFixed(4); field("y").value = b.y.toFixed(4);
      field("width").value = b.w.toFixed(4); field("height").value = b.h.toFixed(4);
      field("viewpoint").focus();
    });
  });
})();
