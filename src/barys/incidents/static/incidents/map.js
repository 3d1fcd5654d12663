// Incident map: exact places as dots (staff), generalised places as their grid cells.
(function () {
  "use strict";
  var box = document.getElementById("incident-map");
  if (!box || typeof L === "undefined") { return; }
  var source = document.getElementById(box.dataset.features);
  var data = source ? JSON.parse(source.textContent) : { features: [] };
  var map = L.map(box).setView([48.0, 67.0], 4);
  var tileUrl = box.dataset.tileUrl || document.body.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 16 }).addTo(map); }
  fetch("/api/v1/places/basemap").then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});
  var colours = { urgent: "#a1261d", high: "#b3541e", normal: "#1f5f8b", low: "#55615b" };
  var bounds = [];
  data.features.forEach(function (f) {
    var p = f.properties, lon = f.geometry.coordinates[0], lat = f.geometry.coordinates[1];
    var colour = colours[p.priority] || "#1f5f8b";
    var layer;
    if (p.exact || !p.cell_deg) {
      layer = L.circleMarker([lat, lon], { radius: 7, color: colour, weight: 2, fillOpacity: 0.7 });
    } else {
      var h = p.cell_deg / 2;
      layer = L.rectangle([[lat - h, lon - h], [lat + h, lon + h]], { color: colour, weight: 1, fillOpacity: 0.35 });
    }
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.code + " · " + p.type + " · " + p.date;
    layer.bindPopup(link);
    layer.addTo(map);
    bounds.push([lat, lon]);
  });
  if (bounds.length === 1) { map.setView(bounds[0], data.features[0].properties.exact ? 11 : 8); }
  else if (bounds.length > 1) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 }); }
})();
