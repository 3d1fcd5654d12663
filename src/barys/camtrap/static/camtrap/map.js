// Camera stations of a survey on a Leaflet map (positions as the viewer may see them).
(function () {
  "use strict";
  var box = document.getElementById("camtrap-map");
  if (!box || typeof L === "undefined") { return; }
  var map = L.map(box).setView([43.15, 77.15], 9);
  if (box.dataset.tileUrl) { L.tileLayer(box.dataset.tileUrl, { maxZoom: 15 }).addTo(map); }
  fetch("/api/v1/places/basemap").then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});
  function text(value) { var span = document.createElement("span"); span.textContent = value == null ? "" : String(value); return span.innerHTML; }
  fetch(box.dataset.geojsonUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var exact = feature.properties.exact;
        return L.circleMarker(latlng, { radius: exact ? 6 : 10, color: exact ? "#17324a" : "#b3541e", weight: 2, fillOpacity: exact ? 0.8 : 0.25 });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        var lines = ["<strong>" + text(p.code) + "</strong>"];
        if (p.name) { lines.push(text(p.name)); }
        if (p.elevation_m) { lines.push(text(Math.round(p.elevation_m)) + " m"); }
        lines.push(text(p.deployments) + " deployments");
        if (!p.exact) { lines.push("<em>" + text(p.generalisation) + "</em>"); }
        marker.bindPopup(lines.join("<br>"));
        marker.bindTooltip(text(p.code));
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds().pad(0.2)); }
  });
})();
