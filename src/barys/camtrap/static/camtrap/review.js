// Keyboard review of one camera event. The form works without this script; the script adds
// the keys listed on the page and keeps one label row "selected" for them to act on.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var rowsBox = document.getElementById("label-rows");
  var template = document.getElementById("label-row-template");
  var status = document.getElementById("review-status");
  var shots = Array.prototype.slice.call(document.querySelectorAll("[data-shot]"));
  var active = null;
  var LIFE_STAGES = ["adult", "subadult", "juvenile", ""];

  function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll("[data-row]")); }
  function field(row, name) { return row.querySelector("[data-field='" + name + "']"); }
  function say(text) { if (status) { status.textContent = text; } }

  function select(row) {
    rows().forEach(function (r) { r.classList.toggle("active", r === row); });
    active = row;
  }

  function current() {
    if (!active || !rowsBox.contains(active)) { select(rows()[0] || addRow()); }
    return active;
  }

  function addRow() {
    var fragment = template.content.cloneNode(true);
    var row = fragment.querySelector("[data-row]");
    rowsBox.appendChild(fragment);
    select(row);
    return row;
  }

  function machineSeen(row) {
    // a person touched the row: it is no longer the machine's suggestion
    row.classList.remove("from-machine");
    var badge = row.querySelector(".badge.machine");
    if (badge) { badge.remove(); }
  }

  function setType(row, kind) {
    field(row, "type").value = kind;
    if (kind !== "animal") { field(row, "species").value = ""; }
    machineSeen(row);
  }

  function only(kind) {
    var all = rows();
    all.slice(1).forEach(function (r) { r.remove(); });
    var row = all[0] || addRow();
    setType(row, kind);
    field(row, "count").value = "";
    select(row);
    say(row.querySelector("[data-field='type'] option:checked").textContent);
  }

  function species(name) {
    var row = current();
    setType(row, "animal");
    field(row, "species").value = name;
    if (!field(row, "count").value) { field(row, "count").value = "1"; }
    say(name);
  }

  function count(step) {
    var row = current();
    var input = field(row, "count");
    var value = parseInt(input.value || "0", 10) + step;
    input.value = String(Math.max(1, Math.min(999, value)));
    machineSeen(row);
    say(input.value);
  }

  function toggle(name, value) {
    var row = current();
    var input = field(row, name);
    input.value = input.value === value ? "" : value;
    machineSeen(row);
    say(input.options[input.selectedIndex].textContent);
  }

  function cycleLifeStage() {
    var row = current();
    var input = field(row, "life_stage");
    var next = LIFE_STAGES[(LIFE_STAGES.indexOf(input.value) + 1) % LIFE_STAGES.length];
    input.value = next;
    machineSeen(row);
    say(input.options[input.selectedIndex].textContent);
  }

  function focusedShot() {
    var index = shots.indexOf(document.activeElement);
    return index >= 0 ? index : -1;
  }

  function moveShot(step) {
    if (!shots.length) { return; }
    var index = focusedShot();
    index = index < 0 ? 0 : (index + step + shots.length) % shots.length;
    shots[index].focus();
  }

  function zoom(shot) {
    if (!shot) { shot = shots[Math.max(0, focusedShot())]; }
    if (shot) { shot.classList.toggle("zoomed"); }
  }

  function go(url) { if (url) { window.location.href = url; } }

  shots.forEach(function (shot) {
    shot.addEventListener("click", function (event) {
      var frame = shot.querySelector(".shot-frame");
      if (frame && !shot.classList.contains("zoomed")) {
        var box = frame.getBoundingClientRect();
        shot.style.setProperty("--zoom-x", (100 * (event.clientX - box.left) / box.width) + "%");
        shot.style.setProperty("--zoom-y", (100 * (event.clientY - box.top) / box.height) + "%");
      }
      zoom(shot);
    });
  });

  rowsBox.addEventListener("focusin", function (event) {
    var row = event.target.closest("[data-row]");
    if (row) { select(row); }
  });
  rowsBox.addEventListener("change", function (event) {
    var row = event.target.closest("[data-row]");
    if (row) { machineSeen(row); }
  });
  form.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    if (target.hasAttribute("data-add-row")) { addRow(); }
    else if (target.hasAttribute("data-remove-row")) {
      target.closest("[data-row]").remove();
      if (!rows().length) { addRow(); }
    }
    else if (target.dataset.quick) { only(target.dataset.quick); }
    else if (target.dataset.species) { species(target.dataset.species); }
  });

  var hotkeys = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-hotkey]"), function (button) {
    hotkeys[button.dataset.hotkey] = button.dataset.species;
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target.matches("input:not([type=checkbox]), textarea, select");
    if (typing) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var key = event.key;
    var handled = true;
    if (key === "ArrowRight" || key === "j") { go(form.dataset.nextUrl); }
    else if (key === "ArrowLeft" || key === "k") { go(form.dataset.previousUrl); }
    else if (hotkeys[key]) { species(hotkeys[key]); }
    else if (key === "+" || key === "=") { count(1); }
    else if (key === "-") { count(-1); }
    else if (key === "f") { toggle("sex", "female"); }
    else if (key === "m") { toggle("sex", "male"); }
    else if (key === "a") { cycleLifeStage(); }
    else if (key === "e") { field(current(), "behaviour").focus(); }
    else if (key === "n") { addRow(); field(active, "type").focus(); }
    else if (key === "b") { only("blank"); }
    else if (key === "u") { only("unknown"); }
    else if (key === "h") { only("human"); }
    else if (key === "s") {
      var box = document.getElementById("second-opinion");
      if (box) { box.checked = !box.checked; say(box.checked ? "✓" : "✗"); }
    }
    else if (key === "z") { zoom(null); }
    else if (key === "[") { moveShot(-1); }
    else if (key === "]") { moveShot(1); }
    else if (key === "i") { go(form.dataset.identifyUrl); }
    else if (key === "Enter" && !target.matches("a, button, summary")) { form.requestSubmit(); }
    else if (key === "?") {
      var help = document.querySelector("details.keys");
      if (help) { help.open = !help.open; }
    }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });

  select(rows()[0] || addRow());
}());
