// The national map of Red Book species richness on the home page (offline outline basemap).
(function () {
  "use strict";
  var box = document.getElementById("richness-map");
  if (!box || typeof L === "undefined") { return; }
  var map = L.map(box, { scrollWheelZoom: false });
  map.fitBounds([[40.5, 46.4], [55.5, 87.4]]);
  var tileUrl = document.body.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 12 }).addTo(map); }
  var basemap = document.body.dataset.basemapUrl;
  if (basemap) fetch(basemap).then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});
  function colour(n) { return n >= 12 ? "#00441b" : n >= 8 ? "#006d2c" : n >= 5 ? "#238b45" : n >= 3 ? "#41ae76" : n >= 2 ? "#66c2a4" : "#99d8c9"; }
  fetch(box.dataset.url).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: function (f) { return { color: "#ffffff", weight: 0.5, fillColor: colour(f.properties.species), fillOpacity: 0.75 }; },
      onEachFeature: function (f, l) { l.bindTooltip(String(f.properties.species)); } }).addTo(map);
  });
})();
