// Draws occurrence cells (and exact points for permitted people) on the records map.
(function () {
  "use strict";
  var box = document.getElementById("records-map");
  if (!box || typeof L === "undefined") { return; }
  var map = L.map(box, { zoomControl: true }).setView([48.0, 67.0], 4);
  var tileUrl = document.body.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 14 }).addTo(map); }
  var basemap = document.body.dataset.basemapUrl;
  if (basemap) fetch(basemap).then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});
  var layer = L.layerGroup().addTo(map);
  function colour(n) { return n > 50 ? "#7f0000" : n > 20 ? "#b30000" : n > 5 ? "#e34a33" : n > 1 ? "#fc8d59" : "#fdbb84"; }
  function load() {
    var b = map.getBounds();
    var params = new URLSearchParams({ zoom: map.getZoom(), bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(3); }).join(",") });
    if (box.dataset.taxon) { params.set("taxon", box.dataset.taxon); }
    fetch(box.dataset.cellsUrl + "?" + params.toString(), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      layer.clearLayers();
      L.geoJSON(data, { style: function (f) { return { color: colour(f.properties.count), weight: 1, fillOpacity: 0.55 }; },
        onEachFeature: function (f, l) { l.bindTooltip(String(f.properties.count)); } }).addTo(layer);
      if (data.exact) {
        data.exact.points.forEach(function (p) { L.circleMarker([p.lat, p.lon], { radius: 4, color: "#17324a" }).addTo(layer); });
        L.geoJSON({ type: "FeatureCollection", features: data.exact.cells }, { style: { color: "#17324a", weight: 1 } }).addTo(layer);
      }
    });
  }
  map.on("moveend", load);
  load();
})();
