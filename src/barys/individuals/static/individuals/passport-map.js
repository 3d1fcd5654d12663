// The passport's map: exact stations for people allowed to see them, otherwise grid cells.
(function () {
  "use strict";
  var box = document.getElementById("passport-map");
  var source = document.getElementById("passport-map-data");
  if (!box || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(box, { zoomControl: true }).setView([43.1, 77.0], 9);
  var tileUrl = document.body.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 14 }).addTo(map); }
  fetch("/api/v1/places/basemap").then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});
  var layer = L.featureGroup().addTo(map);
  (data.cells || []).forEach(function (c) {
    var h = c.cell / 2;
    L.rectangle([[c.lat - h, c.lon - h], [c.lat + h, c.lon + h]], { color: "#b3541e", weight: 1, fillOpacity: 0.45 })
      .bindTooltip(String(c.count)).addTo(layer);
  });
  (data.points || []).forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 5 + Math.min(10, p.count), color: "#17324a", fillOpacity: 0.7 })
      .bindTooltip((p.label ? p.label + ": " : "") + p.count).addTo(layer);
  });
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 12 }); }
})();
