// The track map: daily/monthly paths, fixes (flagged ones marked), detections and home ranges.
// Everything comes from the telemetry API, which applies the sensitivity policy: people who
// may not see exact locations get no fixes, only generalised seasonal ranges.
(function () {
  "use strict";
  var box = document.getElementById("track-map");
  if (!box) { return; }
  if (typeof L === "undefined") {
    // e.g. the passport panel: load Leaflet once, unless the page already has it
    if (!box.dataset.leafletSrc) { return; }
    var script = document.createElement("script");
    script.src = box.dataset.leafletSrc;
    script.onload = start;
    document.head.appendChild(script);
    return;
  }
  start();

  function start() {
  var d = box.dataset;
  var exact = d.exact === "1";
  var MONTHS = ["#2b4c9b", "#3a6fb0", "#3f8f8a", "#4c9a4a", "#8aa53a", "#c7a22c",
                "#d9822b", "#c8553d", "#a2466e", "#7b4a9a", "#5a4aa0", "#34459a"];
  var SEASONS = { winter: "#1f5f8b", spring: "#2d6b2f", summer: "#b3541e", autumn: "#8a6d00", all: "#17324a" };
  var controls = document.querySelector(".telemetry-layers");
  var colourBy = "month";
  var season = "all";
  var map = L.map(box, { preferCanvas: true, zoomControl: true }).setView([43.1, 77.0], 9);
  var tileUrl = document.body.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 16 }).addTo(map); }
  fetch("/api/v1/places/basemap").then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
    if (g) { L.geoJSON(g, { style: { color: "#7a8a80", weight: 1, fill: false }, interactive: false }).addTo(map); }
  }).catch(function () {});

  var data = {};
  var groups = {};
  var wanted = {};
  ["daily", "monthly", "fixes", "flagged", "detections", "mcp95", "mcp100", "kde50", "kde95"].forEach(function (name) {
    groups[name] = L.layerGroup();
  });
  var defaults = exact ? ["daily", "flagged", "detections", "kde50", "kde95"] : ["kde95"];
  if (controls) {
    controls.querySelectorAll("input[data-layer]").forEach(function (input) { wanted[input.dataset.layer] = input.checked; });
  } else {
    defaults.forEach(function (name) { wanted[name] = true; });
  }

  function colour(props) {
    return colourBy === "season" ? SEASONS[props.season] || "#17324a" : MONTHS[(props.month || 1) - 1];
  }
  function esc(text) { var s = document.createElement("span"); s.textContent = text == null ? "" : String(text); return s.innerHTML; }

  function drawPaths(name) {
    groups[name].clearLayers();
    if (!data[name]) { return; }
    L.geoJSON(data[name], {
      style: function (f) { return { color: colour(f.properties), weight: name === "daily" ? 2 : 3, opacity: 0.85 }; },
      onEachFeature: function (f, layer) { layer.bindTooltip(esc(f.properties.key) + ": " + f.properties.km + " " + esc(d.km)); }
    }).addTo(groups[name]);
  }
  function drawFixes() {
    groups.fixes.clearLayers(); groups.flagged.clearLayers();
    if (!data.fixes) { return; }
    data.fixes.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var latlng = [c[1], c[0]];
      var text = esc(p.time) + (p.altitude_m != null ? ", " + Math.round(p.altitude_m) + " m" : "");
      if (p.flags.length || p.override) {
        var marker = L.circleMarker(latlng, { radius: 7, color: p.outlier ? "#a1261d" : "#2d6b2f", weight: 2, fillOpacity: 0, dashArray: "3 2" });
        var html = text + "<br>" + p.reasons.map(esc).join("<br>") + (p.override ? "<br>" + esc(p.override) : "");
        if (d.flagsUrl) { html += '<br><a href="' + d.flagsUrl + "#fix-" + f.id + '">\u2192</a>'; }
        marker.bindPopup(html);
        marker.addTo(groups.flagged);
      }
      if (!p.outlier) {
        L.circleMarker(latlng, { radius: 3, color: colour(p), weight: 1, fillOpacity: 0.8 }).bindTooltip(text).addTo(groups.fixes);
      }
    });
  }
  function drawDetections() {
    groups.detections.clearLayers();
    if (!data.detections) { return; }
    data.detections.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var m = L.marker([c[1], c[0]], { title: p.kind + " " + p.time });
      m.bindPopup(esc(p.kind) + ": " + esc(p.time) + (p.url ? '<br><a href="' + encodeURI(p.url) + '">' + esc(p.label || p.url) + "</a>" : ""));
      m.addTo(groups.detections);
    });
  }
  function drawRanges() {
    ["mcp95", "mcp100", "kde50", "kde95"].forEach(function (name) { groups[name].clearLayers(); });
    if (!data.ranges) { return; }
    data.ranges.features.forEach(function (f) {
      var p = f.properties;
      var name = p.method + String(p.level).replace(/\.0$/, "");
      if (!groups[name]) { return; }
      var show = season === "seasons" ? p.season !== "all" : p.season === season;
      if (!show) { return; }
      var style = { color: SEASONS[p.season] || "#17324a", weight: p.level === 50 ? 3 : 2, fillOpacity: p.level === 50 ? 0.25 : 0.08,
                    dashArray: p.method === "mcp" ? "6 4" : null };
      if (p.generalised) { style.dashArray = "2 4"; style.fillOpacity = 0.15; }
      L.geoJSON(f, { style: style }).bindTooltip(esc(p.season) + " · " + esc(p.generalised ? d.generalised : p.method.toUpperCase() + " " + p.level + " %") +
        " · " + p.area_km2 + " km\u00b2").addTo(groups[name]);
    });
  }
  function legend() {
    var el = document.getElementById("track-map-legend");
    if (!el) { return; }
    var html = "";
    if (exact && !d.rangesOnly) {
      if (colourBy === "season") {
        html = Object.keys(SEASONS).filter(function (k) { return k !== "all"; }).map(function (k) { return '<span class="swatch" style="background:' + SEASONS[k] + '"></span>' + k; }).join(" ");
      } else {
        html = MONTHS.map(function (c, i) { return '<span class="swatch" style="background:' + c + '"></span>' + (i + 1); }).join(" ");
      }
    }
    var withheld = (data.fixes && data.fixes.information_withheld) || (data.ranges && data.ranges.information_withheld);
    if (withheld) { html += (html ? "<br>" : "") + esc(withheld); }
    el.innerHTML = html;
  }
  function sync() {
    Object.keys(groups).forEach(function (name) {
      if (wanted[name]) { if (!map.hasLayer(groups[name])) { groups[name].addTo(map); } }
      else if (map.hasLayer(groups[name])) { map.removeLayer(groups[name]); }
    });
  }
  var fitted = false;
  function fit() {
    if (fitted) { return; }
    var bounds = L.latLngBounds([]);
    Object.keys(groups).forEach(function (name) {
      groups[name].eachLayer(function (layer) { if (layer.getBounds) { bounds.extend(layer.getBounds()); } else if (layer.getLatLng) { bounds.extend(layer.getLatLng()); } });
    });
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.1)); fitted = true; }
  }
  function load(url, key, draw) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (g) {
      data[key] = g; draw(); legend(); sync(); fit();
    }).catch(function () {});
  }
  if (d.rangesUrl) { load(d.rangesUrl, "ranges", drawRanges); }
  if (exact && d.trackUrl && !d.rangesOnly) {
    load(d.trackUrl + "?layer=daily", "daily", function () { drawPaths("daily"); });
    load(d.trackUrl + "?layer=monthly", "monthly", function () { drawPaths("monthly"); });
    load(d.trackUrl + "?layer=fixes", "fixes", drawFixes);
    load(d.trackUrl + "?layer=detections", "detections", drawDetections);
  } else if (d.trackUrl && !d.rangesOnly) {
    load(d.trackUrl + "?layer=fixes", "fixes", function () {});
  }
  if (controls) {
    controls.addEventListener("change", function (event) {
      var t = event.target;
      if (t.dataset && t.dataset.layer) { wanted[t.dataset.layer] = t.checked; sync(); }
      else if (t.dataset && t.dataset.control === "season") { season = t.value; drawRanges(); }
      else if (t.type === "radio") { colourBy = t.value; drawPaths("daily"); drawPaths("monthly"); drawFixes(); legend(); }
    });
  }
  sync();
  }
})();
