// Removes the field form's draft from the phone once the server has saved the incident.
(function () {
  "use strict";
  var store = null;
  try { store = window.localStorage; } catch (e) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-clear-draft]"), function (el) {
    el.dataset.clearDraft.split(" ").forEach(function (key) { if (key) { store.removeItem(key); } });
  });
})();
