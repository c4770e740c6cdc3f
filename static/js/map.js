/* Maps with Leaflet (served from the js_lib_leaflet package): the catalog's results map and the point
   its distance sort measures from, the program page's venue, and the venue picker of the workplace's
   program form. A map element carries its settings as data attributes ({% map_attrs %}): without a
   tile URL (settings.MAP_TILE_URL empty) no tile is requested and the markers stand on a blank
   background. Every page works without this script; it only adds the maps. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }

  function baseMap(element) {
    var data = element.dataset;
    var map = L.map(element, { scrollWheelZoom: false });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.tileAttribution || "" }).addTo(map);
    }
    map.setView([parseFloat(data.centerLat), parseFloat(data.centerLon)], parseInt(data.zoom, 10));
    return map;
  }

  // About 10 m: plenty for a distance, and far fewer distinct URLs for the page cache.
  function rounded(value) {
    return (Math.round(value * 1e4) / 1e4).toFixed(4);
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  // --- The catalog: results map, the point, the distance sort ----------------------------------------
  function catalog() {
    var form = document.getElementById("catalog-form");
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var sort = document.getElementById("id_sort");
    var point = document.getElementById("catalog-point");
    if (!form || !lat || !lon || !sort) {
      return;
    }
    var status = document.getElementById("catalog-point-status");
    var clear = document.getElementById("catalog-point-clear");
    var toggle = document.getElementById("catalog-map-toggle");
    var panel = document.getElementById("catalog-map-panel");
    var canvas = document.getElementById("catalog-map");
    var map = null;
    var markers = null;
    if (point) {
      point.hidden = false;
    }

    function say(key) {
      if (status) {
        status.textContent = key ? status.dataset[key] : "";
      }
    }

    function usePoint(latitude, longitude) {
      lat.value = rounded(latitude);
      lon.value = rounded(L.latLng(latitude, longitude).wrap().lng);
      lat.disabled = lon.disabled = false;
      if (clear) {
        clear.hidden = false;
      }
      say("labelSet");
      sort.value = "distance";
      form.requestSubmit();
    }

    function locate() {
      if (!navigator.geolocation) {
        failed();
        return;
      }
      say("labelLocating");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          usePoint(position.coords.latitude, position.coords.longitude);
        },
        failed,
        { maximumAge: 600000, timeout: 15000 }
      );
    }

    function failed() {
      say("labelFailed");
      openMap(true);
    }

    // Choosing «по расстоянию» without a point asks for the parent's location first.
    document.addEventListener(
      "change",
      function (event) {
        if (event.target === sort && sort.value === "distance" && !lat.value) {
          event.stopPropagation();
          locate();
        }
      },
      true
    );

    var locateButton = document.getElementById("catalog-locate");
    if (locateButton) {
      locateButton.addEventListener("click", locate);
    }
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = lon.value = "";
        lat.disabled = lon.disabled = true;
        clear.hidden = true;
        say("");
        if (sort.value === "distance") {
          sort.value = "relevance";
        }
        form.requestSubmit();
      });
    }

    var geocoder = document.getElementById("catalog-geocoder");
    if (geocoder) {
      var address = document.getElementById("catalog-address");
      var find = function () {
        var text = address.value.trim();
        if (!text) {
          return;
        }
        var url = geocoder.dataset.geocoderUrl;
        url += (url.indexOf("?") < 0 ? "?" : "&") + "format=json&limit=1&q=" + encodeURIComponent(text);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.json();
          })
          .then(function (found) {
            if (found && found.length) {
              usePoint(parseFloat(found[0].lat), parseFloat(found[0].lon));
            } else {
              say("labelNotFound");
            }
          })
          .catch(function () {
            say("labelNotFound");
          });
      };
      document.getElementById("catalog-address-find").addEventListener("click", find);
      address.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          find();
        }
      });
    }

    if (!toggle || !panel || !canvas) {
      return;
    }
    toggle.hidden = false;

    function venues() {
      var data = document.getElementById("catalog-map-data");
      return data ? JSON.parse(data.textContent) : [];
    }

    function popup(venue) {
      var box = element("div");
      var list = element("ul", "", "portal-map__popup-list");
      venue.programs.forEach(function (program) {
        var item = element("li");
        var link = element("a", program.title);
        link.href = program.url;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
      if (venue.address) {
        box.appendChild(element("p", venue.address, "portal-map__popup-address"));
      }
      return box;
    }

    function draw() {
      if (!map) {
        return;
      }
      markers.clearLayers();
      var bounds = [];
      venues().forEach(function (venue) {
        var title = venue.programs
          .map(function (program) {
            return program.title;
          })
          .join("; ");
        L.marker([venue.lat, venue.lon], { title: title, alt: title }).bindPopup(popup(venue)).addTo(markers);
        bounds.push([venue.lat, venue.lon]);
      });
      if (lat.value && lon.value) {
        var here = [parseFloat(lat.value), parseFloat(lon.value)];
        L.circleMarker(here, { radius: 8, color: "#0b5ed7", fillOpacity: 0.6 }).addTo(markers);
        bounds.push(here);
      }
      if (bounds.length) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
      }
    }

    function openMap(open) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? toggle.dataset.labelClose : toggle.dataset.labelOpen;
      if (!open) {
        return;
      }
      if (!map) {
        map = baseMap(canvas);
        markers = L.layerGroup().addTo(map);
        map.on("click", function (event) {
          usePoint(event.latlng.lat, event.latlng.lng);
        });
      }
      map.invalidateSize();
      draw();
    }

    toggle.addEventListener("click", function () {
      openMap(panel.hidden);
    });
    // New results (htmx swaps the results and their venues): new markers.
    document.body.addEventListener("htmx:afterSettle", draw);
  }

  // --- One venue, shown (the program page) ----------------------------------------------------------------
  function venue() {
    var canvas = document.getElementById("program-venue-map");
    if (!canvas) {
      return;
    }
    var here = [parseFloat(canvas.dataset.lat), parseFloat(canvas.dataset.lon)];
    var map = baseMap(canvas);
    L.marker(here, { title: canvas.dataset.title, alt: canvas.dataset.title }).addTo(map);
    map.setView(here, 15);
  }

  // --- The venue picker (the workplace's program form) ----------------------------------------------------
  function picker() {
    var canvas = document.getElementById("venue-map");
    var latitude = document.getElementById("id_venue_latitude");
    var longitude = document.getElementById("id_venue_longitude");
    if (!canvas || !latitude || !longitude) {
      return;
    }
    canvas.hidden = false;
    var map = baseMap(canvas);
    var marker = null;

    function fill(latlng) {
      latlng = latlng.wrap();
      latitude.value = latlng.lat.toFixed(6);
      longitude.value = latlng.lng.toFixed(6);
    }

    // centre: the stored point on opening the form (zoomed in); else the map only follows a point typed
    // outside the view, so that a small correction is seen as the marker moving.
    function place(latlng, centre) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, title: canvas.dataset.title, alt: canvas.dataset.title });
        marker.on("dragend", function () {
          fill(marker.getLatLng());
        });
        marker.addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      if (centre) {
        map.setView(latlng, Math.max(map.getZoom(), 15));
      } else if (!map.getBounds().contains(latlng)) {
        map.panTo(latlng);
      }
    }

    function fromFields(centre) {
      var a = parseFloat(latitude.value.replace(",", "."));
      var b = parseFloat(longitude.value.replace(",", "."));
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b), centre === true);
      }
    }

    map.on("click", function (event) {
      place(event.latlng, false);
      fill(event.latlng);
    });
    latitude.addEventListener("change", fromFields);
    longitude.addEventListener("change", fromFields);
    fromFields(true);
  }

  catalog();
  venue();
  picker();
})();
