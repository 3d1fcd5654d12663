// The species distribution map: offline basemap, ranges, protected areas, public occurrence
// cells, and (for those allowed) the EOO hull and AOO grid. Vanilla JS over Leaflet.
(function () {
  "use strict";
  var configNode = document.getElementById("species-map-config");
  var mapNode = document.getElementById("species-map");
  if (!configNode || !mapNode || typeof L === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var labels = config.labels;
  var status = document.getElementById("species-map-status");
  var KAZAKHSTAN = [[40.5, 46.4], [55.5, 87.4]];
  var COLOURS = { cells: "#a1261d", eoo: "#1f5f8b", aoo: "#7b3f98", areas: "#1d5e2f" };

  var map = L.map(mapNode, { preferCanvas: true, zoomSnap: 0.5, minZoom: 3, maxZoom: 16 });
  map.fitBounds(KAZAKHSTAN);
  // The offline basemap lies in its own pane, above tiles and below every overlay.
  map.createPane("basemap");
  map.getPane("basemap").style.zIndex = 250;
  var basemapRenderer = L.svg({ pane: "basemap" });
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);

  function say(text) { if (status) { status.textContent = text; } }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin",
                        headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (response.status === 404) { return null; }
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function withLang(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(config.language);
  }

  function nameOf(feature) {
    var p = feature.properties || {};
    return p.name || p.name_en || p.code || "";
  }

  function popup(feature, layer) {
    var name = nameOf(feature);
    if (name) { layer.bindTooltip(name, { sticky: true }); }
  }

  // Basemap: an offline vector outline of Kazakhstan and its oblasts, plus tiles if set.
  if (config.tileUrl) {
    var tiles = L.tileLayer(config.tileUrl, { maxZoom: 18 }).addTo(map);
    control.addBaseLayer(tiles, labels.tiles);
  }
  getJson(withLang(config.basemapUrl)).then(function (data) {
    if (!data) { return; }
    var basemap = L.geoJSON(data, {
      pane: "basemap",
      renderer: basemapRenderer,
      interactive: false,
      style: function (f) {
        return f.properties.layer === "country"
          ? { color: "#4a4740", weight: 1.5, fillColor: "#f7f5ef", fillOpacity: config.tileUrl ? 0 : 1 }
          : { color: "#9a968c", weight: 0.7, fill: false };
      }
    }).addTo(map);
    control.addOverlay(basemap, labels.basemap);
  }).catch(function () { say(labels.loadFailed); });

  // Ranges of the species.
  var legendItems = [];
  getJson(withLang(config.rangesUrl)).then(function (data) {
    if (!data || !data.features.length) { return; }
    var kinds = {};
    var ranges = L.geoJSON(data, {
      style: function (f) {
        var style = config.rangeStyle[f.properties.range_kind] || { colour: "#e3a33b" };
        kinds[f.properties.range_kind] = style.colour;
        return { color: style.colour, weight: 1, fillColor: style.colour, fillOpacity: 0.45,
                 dashArray: style.hatch ? "4 3" : null };
      },
      onEachFeature: popup
    }).addTo(map);
    control.addOverlay(ranges, labels.ranges);
    Object.keys(kinds).forEach(function (kind) {
      legendItems.push([kinds[kind], labels["range:" + kind] || kind]);
    });
    renderLegend();
  }).catch(function () { say(labels.loadFailed); });

  // Protected areas.
  getJson(withLang(config.protectedAreasUrl)).then(function (data) {
    if (!data || !data.features.length) { return; }
    var areas = L.geoJSON(data, {
      style: { color: COLOURS.areas, weight: 1.5, fillColor: COLOURS.areas, fillOpacity: 0.08 },
      onEachFeature: popup
    }).addTo(map);
    control.addOverlay(areas, labels.protectedAreas);
    legendItems.push([COLOURS.areas, labels.protectedAreas]);
    renderLegend();
  }).catch(function () { say(labels.loadFailed); });

  // Public occurrence cells, reloaded for the visible area and zoom.
  var cells = L.geoJSON(null, {
    style: { color: COLOURS.cells, weight: 0.5, fillColor: COLOURS.cells, fillOpacity: 0.6 },
    onEachFeature: function (feature, layer) {
      var p = feature.properties || {};
      var years = p.first_year ? " (" + p.first_year + (p.last_year && p.last_year !== p.first_year ? "–" + p.last_year : "") + ")" : "";
      layer.bindTooltip((p.count || 0) + " " + labels.records + years, { sticky: true });
    }
  });
  // Exact records the person may see (their own areas), sent by the same endpoint.
  var exact = L.layerGroup();
  var exactShown = false;
  function showExact(data) {
    exact.clearLayers();
    if (!data || !data.exact) { return; }
    (data.exact.points || []).forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { radius: 4, color: "#000", weight: 1, fillColor: COLOURS.cells, fillOpacity: 0.9 })
        .bindTooltip(String(p.year || ""), { sticky: true }).addTo(exact);
    });
    if (data.exact.cells && data.exact.cells.length) {
      L.geoJSON({ type: "FeatureCollection", features: data.exact.cells },
                { style: { color: "#000", weight: 0.5, fillColor: COLOURS.cells, fillOpacity: 0.8 } }).addTo(exact);
    }
    if (!exactShown) {
      exact.addTo(map);
      control.addOverlay(exact, labels.exactRecords);
      exactShown = true;
    }
  }
  var cellsRequest = 0;
  function loadCells() {
    if (!config.cellsUrl) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); });
    var url = config.cellsUrl + "?taxon=" + encodeURIComponent(config.taxon) + "&bbox=" + bbox.join(",") + "&zoom=" + Math.round(map.getZoom());
    var ticket = ++cellsRequest;
    getJson(url).then(function (data) {
      if (ticket !== cellsRequest) { return; }
      cells.clearLayers();
      if (!data) { say(labels.noCells); return; }
      cells.addData({ type: "FeatureCollection", features: data.features || [] });
      showExact(data);
    }).catch(function () { say(labels.noCells); });
  }
  if (config.cellsUrl) {
    cells.addTo(map);
    control.addOverlay(cells, labels.cells);
    legendItems.push([COLOURS.cells, labels.cells]);
    map.on("moveend", loadCells);
    loadCells();
  } else {
    say(labels.noCells);
  }

  // EOO hull and AOO grid (only when the page offers them).
  var eoo = L.geoJSON(null, { style: { color: COLOURS.eoo, weight: 2, fill: false, dashArray: "6 4" } });
  var aoo = L.geoJSON(null, { style: { color: COLOURS.aoo, weight: 0.5, fillColor: COLOURS.aoo, fillOpacity: 0.5 } });
  var periodSelect = document.getElementById("area-period");
  function loadAreas() {
    if (!config.areaUrl) { return; }
    var period = periodSelect ? periodSelect.value : "all";
    getJson(config.areaUrl + "&period=" + encodeURIComponent(period)).then(function (data) {
      eoo.clearLayers();
      aoo.clearLayers();
      if (!data) { return; }
      data.features.forEach(function (f) {
        (f.properties.layer === "eoo" ? eoo : aoo).addData(f);
      });
    }).catch(function () { say(labels.loadFailed); });
  }
  if (config.areaUrl && config.periods.length) {
    eoo.addTo(map);
    aoo.addTo(map);
    control.addOverlay(eoo, labels.eoo);
    control.addOverlay(aoo, labels.aoo);
    legendItems.push([COLOURS.eoo, labels.eoo], [COLOURS.aoo, labels.aoo]);
    if (periodSelect) { periodSelect.addEventListener("change", loadAreas); }
    loadAreas();
  }

  // Legend.
  var legend = L.control({ position: "bottomleft" });
  var legendBox = null;
  legend.onAdd = function () {
    legendBox = L.DomUtil.create("div", "species-map-legend");
    renderLegend();
    return legendBox;
  };
  function renderLegend() {
    if (!legendBox) { return; }
    legendBox.textContent = "";
    var title = document.createElement("h3");
    title.textContent = labels.legend;
    legendBox.appendChild(title);
    legendItems.forEach(function (item) {
      var row = document.createElement("div");
      var swatch = document.createElement("i");
      swatch.style.background = item[0];
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(item[1]));
      legendBox.appendChild(row);
    });
  }
  legend.addTo(map);
})();
