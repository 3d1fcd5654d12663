// The field form: a geolocation button and a draft kept on the phone when offline.
(function () {
  "use strict";
  var form = document.getElementById("incident-form");
  if (!form) { return; }
  var button = document.getElementById("geolocate");
  var status = document.getElementById("geo-status");
  var lat = form.querySelector("[name=latitude]");
  var lon = form.querySelector("[name=longitude]");
  var unc = form.querySelector("[name=uncertainty_m]");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        if (unc) { unc.value = Math.round(pos.coords.accuracy); }
        status.textContent = "± " + Math.round(pos.coords.accuracy) + " m";
      }, function (err) {
        status.textContent = err.message;
      }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
    });
  }
  var key = form.dataset.draftKey;
  var note = document.getElementById("offline-note");
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "button" && el.type !== "file";
    });
  }
  function save() {
    if (!store) { return; }
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") { data[el.name + "=" + el.value] = el.checked; }
      else { data[el.name] = el.value; }
    });
    store.setItem(key, JSON.stringify(data));
  }
  function restore() {
    // a page the server sent back with errors already holds what was typed
    if (!store || document.querySelector(".has-error")) { return; }
    var raw = store.getItem(key);
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { store.removeItem(key); return; }
    fields().forEach(function (el) {
      if (el.type === "checkbox") { if ((el.name + "=" + el.value) in data) { el.checked = data[el.name + "=" + el.value]; } }
      else if (el.name in data) { el.value = data[el.name]; }
    });
    if (draftNote) { draftNote.hidden = false; }
  }
  var draftNote = document.getElementById("draft-note");
  var discard = document.getElementById("discard-draft");
  if (discard) {
    discard.addEventListener("click", function () {
      if (store) { store.removeItem(key); }
      window.location.reload();
    });
  }
  restore();
  form.addEventListener("input", save);
  form.addEventListener("submit", function (event) {
    save();
    if (navigator.onLine === false) {
      event.preventDefault();
      if (note) { note.hidden = false; note.scrollIntoView(); }
    }
  });
  // the draft is removed by the incident page once the server has saved the incident
})();
