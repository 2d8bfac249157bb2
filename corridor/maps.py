"""All Folium rendering: network, reach and comparison maps, and static PNG figures.

Maps are built for planners who may open them without internet:

* every script and style sheet is inlined when the page is written
  (:func:`save_map`, via :mod:`corridor.assets`): the page needs no CDN;
* by default there is no online basemap: a plain sea-coloured background
  with the Natural Earth country polygons drawn as a layer; ``tiles=`` picks
  an online basemap (``"OpenStreetMap"``, ``"CartoDB positron"``, any
  xyzservices name or URL template), drawn over the same background so the
  map stays readable when the tiles cannot be fetched;
* vector layers draw on a canvas (``prefer_canvas``) from simplified,
  rounded geometry, merged into few features: the northeast-asia network
  map stays well under 3 MB;
* every text that reaches a tooltip, popup, legend or layer name is HTML
  escaped (names come from OSM and user files), and travels as JSON data,
  never spliced into JavaScript source;
* every map carries the attribution of every source and a visible note
  of which data it was made from (``net.data_note``); synthetic connectors
  are dashed; approximate positions say so.

Each page also records, in ``window.corridor``, its layers by key and the
number of features each should draw (``corridor.expected``), which the
browser tests compare with what Leaflet drew.

Examples
--------
>>> from corridor.network import build_network
>>> from corridor import maps
>>> m = maps.network_map(build_network("tumen"))
>>> sorted(m.corridor_counts)[:3]
['borders', 'connectors', 'crossings']
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "network.html"
>>> maps.save_map(m, out)  # doctest: +ELLIPSIS
PosixPath('...network.html')
>>> "cdn.jsdelivr" in out.read_text()
False
"""

from __future__ import annotations

import html as html_mod
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import LineString, MultiLineString, Point, mapping

from corridor import assets
from corridor import settings as settings_mod
from corridor.io import write_text_atomic, write_with

# --------------------------------------------------------------------------- look

#: background of the page where there is no land polygon (the sea)
SEA_COLOR = "#cfe3ef"
LAND_COLOR = "#f6f3ec"
BORDER_COLOR = "#8a8a8a"
ROAD_COLOR = "#d9822b"
RAIL_COLORS = {1435: "#1f4e9c", 1520: "#c0392b", 1067: "#2c7f7f"}
DUAL_GAUGE_COLOR = "#7b3fa0"
SEA_LANE_COLOR = "#2b8cbe"
CONNECTOR_COLOR = "#555555"
PARK_COLOR = "#2e8b57"
PORT_COLOR = "#0b3c6f"
TOWN_COLOR = "#444444"
STATUS_COLORS = {"open": "#1a9641", "closed": "#d7191c", "planned": "#f39c12"}
#: reach bands, nearest (first) to farthest
BAND_COLORS = ("#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026")
#: one colour per compared route, best first
ROUTE_COLORS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#17becf")

GAUGE_NAMES = {1435: "standard gauge", 1520: "Russian gauge", 1067: "Cape gauge"}

#: simplification tolerance (degrees) and coordinate decimals for line layers
LINE_TOLERANCE = {"tumen": 0.0005, "northeast-asia": 0.003}
POLY_TOLERANCE = 0.003
DECIMALS = 4

#: online basemaps by short name; anything else goes to folium/xyzservices as is
TILE_ALIASES = {"osm": "OpenStreetMap", "openstreetmap": "OpenStreetMap", "positron": "CartoDB positron",
                "carto": "CartoDB positron", "none": None, "": None}


# --------------------------------------------------------------------------- text

def esc(value: Any) -> str:
    """HTML-escape a value for a tooltip, popup, legend or layer name.

    Besides ``& < > " '`` it also escapes the backtick, ``$`` and the
    backslash, so the text is inert even inside a JavaScript template literal
    (folium puts some tooltips in backticks).

    Examples
    --------
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc("`${alert(1)}`")
    '&#96;&#36;{alert(1)}&#96;'
    >>> esc(None)
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return (html_mod.escape(str(value), quote=True)
            .replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;"))


def _js_json(obj: Any) -> str:
    """Compact JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _num(value: Any, fmt: str = "{:,.1f}", unit: str = "") -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(v):
        return ""
    return fmt.format(v) + unit


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """An HTML table of escaped label/value pairs (empty values are left out)."""
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs if v not in (None, "") and
                    not (isinstance(v, float) and math.isnan(v)))
    return f'<table class="corridor-table">{cells}</table>'


def _tip(title: Any, *lines: Any) -> str:
    parts = [f"<b>{esc(title)}</b>"] + [esc(x) for x in lines if x not in (None, "")]
    return "<br>".join(parts)


def _approx_note(quality: Any) -> str | None:
    return "position approximate (not surveyed)" if str(quality) == "approximate" else None


# --------------------------------------------------------------------------- geometry

def _round_coords(geom: Any, decimals: int = DECIMALS) -> dict:
    return mapping(shapely.set_precision(geom, 10 ** -decimals)) if not geom.is_empty else mapping(geom)


def _feature(geom: Any, style: dict | None = None, tip: str | None = None, popup: str | None = None,
             icon: str | None = None, decimals: int = DECIMALS, **props: Any) -> dict:
    p: dict[str, Any] = {k: v for k, v in props.items() if v is not None}
    if style:
        p["style"] = style
    if tip:
        p["tip"] = tip
    if popup:
        p["popup"] = popup
    if icon:
        p["icon"] = icon
    if isinstance(geom, Point):
        g = {"type": "Point", "coordinates": [round(geom.x, 5), round(geom.y, 5)]}
    else:
        g = _round_coords(geom, decimals)
    return {"type": "Feature", "geometry": g, "properties": p}


def _merge_lines(segments: Sequence[tuple[tuple[float, float], tuple[float, float]]], tolerance: float) -> Any:
    """Join straight segments into as few simplified lines as possible."""
    if not segments:
        return MultiLineString()
    merged = shapely.line_merge(MultiLineString([list(s) for s in segments]))
    if tolerance:
        merged = merged.simplify(tolerance, preserve_topology=False)
    return merged


def _edge_line(g: Any, u: Any, v: Any, d: dict) -> list[tuple[float, float]]:
    geom = d.get("geometry")
    if geom is not None and hasattr(geom, "coords"):
        return list(geom.coords)
    a, b = g.nodes[u], g.nodes[v]
    return [(a["x"], a["y"]), (b["x"], b["y"])]


@lru_cache(maxsize=4)
def _borders(path: str, mtime: float) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    gdf["geometry"] = gdf.geometry.simplify(POLY_TOLERANCE / 3)
    return gdf


def load_borders() -> gpd.GeoDataFrame:
    """Natural Earth country polygons of the embedded data (``geodata/borders.geojson``)."""
    path = settings_mod.GEODATA_DIR / "borders.geojson"
    return _borders(str(path), path.stat().st_mtime).copy()


# --------------------------------------------------------------------------- page elements

_CSS = """
.corridor-map-bg { background: %(sea)s; }
.leaflet-container.corridor-map-bg { background: %(sea)s; }
.corridor-info { background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font: 12px/1.35 "DejaVu Sans", Arial, sans-serif; max-width: 330px;
  max-height: 60vh; overflow-y: auto; }
.corridor-info summary { font-weight: bold; font-size: 13px; cursor: pointer; }
.corridor-info .note { color: #333; margin: 3px 0 5px 0; }
.corridor-info .row { display: flex; align-items: center; margin: 2px 0; }
.corridor-info .sw { flex: 0 0 26px; height: 12px; margin-right: 6px; display: inline-block; }
.corridor-info .ln { height: 0; border-top: 3px solid #000; margin-top: 6px; }
.corridor-info .ln.dash { border-top-style: dashed; border-top-width: 2px; }
.corridor-info .dot { width: 10px; height: 10px; flex: 0 0 10px; border-radius: 50%%; margin: 0 16px 0 8px; border: 1px solid #fff; }
.corridor-info .dot.approx { border: 1.5px dashed #000; background: transparent !important; }
.corridor-info .poly { border: 1px solid rgba(0,0,0,0.35); }
.corridor-info .iconbox { flex: 0 0 26px; margin-right: 6px; display: flex; justify-content: center; }
.corridor-info .iconbox .corridor-icon { position: static; margin: 0; }
.corridor-table { border-collapse: collapse; font: 12px "DejaVu Sans", Arial, sans-serif; }
.corridor-table th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; vertical-align: top; }
.corridor-table td { padding: 1px 0; }
.corridor-icon { box-sizing: border-box; }
.corridor-icon .cx, .corridor-info .cx { box-sizing: border-box; width: 14px; height: 14px; transform: rotate(45deg);
  border: 2px solid #fff; box-shadow: 0 0 0 1px #222; color: #fff; }
.corridor-icon .cx span, .corridor-info .cx span { display: block; transform: rotate(-45deg);
  font: bold 12px/10px Arial, sans-serif; text-align: center; }
.cx.cx-open { background: %(open)s; }
.cx.cx-closed { background: %(closed)s; }
.cx.cx-planned { background: #fff; border: 2px dashed %(planned)s; box-shadow: 0 0 0 1px %(planned)s; }
.corridor-icon .origin, .corridor-info .origin { box-sizing: border-box; width: 18px; height: 18px; border-radius: 50%%;
  background: #111; border: 4px solid #fff; box-shadow: 0 0 0 2px #111; }
.corridor-icon .dest, .corridor-info .dest { box-sizing: border-box; width: 16px; height: 16px; background: #111;
  border: 3px solid #fff; box-shadow: 0 0 0 2px #111; }
.leaflet-control-attribution { max-width: 55%%; font-size: 10.5px; line-height: 1.3; }
""" % {"sea": SEA_COLOR, **STATUS_COLORS}

_SETUP_JS = """
window.corridor = window.corridor || {layers: {}, names: {}, expected: {}, map: null};
corridor.ICONS = {
  "crossing-open": {html: "<div class='cx cx-open'></div>", size: 14},
  "crossing-closed": {html: "<div class='cx cx-closed'><span>\\u00d7</span></div>", size: 14},
  "crossing-planned": {html: "<div class='cx cx-planned'></div>", size: 14},
  "origin": {html: "<div class='origin'></div>", size: 18},
  "dest": {html: "<div class='dest'></div>", size: 16}
};
corridor.point = function (feature, latlng) {
  var p = feature.properties || {};
  var spec = p.icon ? corridor.ICONS[p.icon] : null;
  if (spec) {
    return L.marker(latlng, {keyboard: false, icon: L.divIcon({
      className: "corridor-icon", html: spec.html, iconSize: [spec.size, spec.size]})});
  }
  return L.circleMarker(latlng, p.style || {});
};
corridor.style = function (feature) { return (feature.properties && feature.properties.style) || {}; };
corridor.bind = function (feature, layer) {
  var p = feature.properties || {};
  var point = (layer instanceof L.Marker) || (layer instanceof L.CircleMarker);
  if (p.tip) { layer.bindTooltip(p.tip, {sticky: !point, direction: "top"}); }
  if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
};
"""


class _Setup(MacroElement):
    """CSS and the small JavaScript helpers every corridor page uses."""

    _template = Template("""
{% macro header(this, kwargs) %}
<style>{{ this.css }}</style>
<script>{{ this.js }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
corridor.map = {{ this._parent.get_name() }};
{{ this._parent.get_name() }}.getContainer().classList.add("corridor-map-bg");
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "CorridorSetup"
        self.css, self.js = _CSS, _SETUP_JS


class DataLayer(folium.map.Layer):
    """A GeoJSON overlay drawn with corridor's style, point and binding helpers.

    Each feature's ``properties`` may carry ``style`` (Leaflet path options),
    ``icon`` (a key of ``corridor.ICONS``; else points are circle markers),
    ``tip`` and ``popup`` (HTML that was escaped in Python).

    Parameters
    ----------
    key : str
        Stable machine name; ``window.corridor.layers[key]`` in the page.
    name : str
        Display name in the layer control (plain text; escaped here).
    features : list of dict
        GeoJSON features.
    show : bool
        Shown when the page opens.
    pane : str, optional
        Leaflet pane for the paths.
    interactive : bool
        False for context layers that should not catch the mouse.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJson({{ this.data_js }}, {
  {% if this.pane %}pane: {{ this.pane|tojson }},{% endif %}
  {% if not this.interactive %}interactive: false,{% endif %}
  style: corridor.style, pointToLayer: corridor.point, onEachFeature: corridor.bind
});
corridor.layers[{{ this.key|tojson }}] = {{ this.get_name() }};
corridor.names[{{ this.key|tojson }}] = {{ this.layer_name|tojson }};
corridor.expected[{{ this.key|tojson }}] = {{ this.count }};
{% endmacro %}
""")

    def __init__(self, key: str, name: str, features: list[dict], show: bool = True, pane: str | None = None,
                 interactive: bool = True, control: bool = True) -> None:
        super().__init__(name=esc(name), overlay=True, control=control, show=show)
        self._name = "CorridorLayer"
        self.key = key
        self.count = len(features)
        self.pane = pane
        self.interactive = interactive
        self.data_js = _js_json({"type": "FeatureCollection", "features": features})


class _Pane(MacroElement):
    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.createPane({{ this.pane|tojson }});
{{ this._parent.get_name() }}.getPane({{ this.pane|tojson }}).style.zIndex = {{ this.z }};
{% if not this.interactive %}{{ this._parent.get_name() }}.getPane({{ this.pane|tojson }}).style.pointerEvents = "none";{% endif %}
{% endmacro %}
""")

    def __init__(self, pane: str, z: int, interactive: bool = True) -> None:
        super().__init__()
        self._name = "CorridorPane"
        self.pane, self.z, self.interactive = pane, z, interactive


class InfoPanel(MacroElement):
    """A collapsible box with the title, the data note and the legend.

    ``html`` is built in Python from escaped parts and set as the box's
    content.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var ctl = L.control({position: {{ this.position|tojson }}});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "corridor-info");
    div.innerHTML = {{ this.html_js }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  ctl.addTo({{ this._parent.get_name() }});
  corridor.info = ctl;
})();
{% endmacro %}
""")

    def __init__(self, html: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "CorridorInfo"
        self.position = position
        self.html_js = _js_json(html)


class _Attribution(MacroElement):
    """Adds each source's credit to Leaflet's attribution control."""

    _template = Template("""
{% macro script(this, kwargs) %}
{% for item in this.items_js %}{{ this._parent.get_name() }}.attributionControl.addAttribution({{ item }});
{% endfor %}
{% endmacro %}
""")

    def __init__(self, items: Iterable[str]) -> None:
        super().__init__()
        self._name = "CorridorAttribution"
        self.items_js = [_js_json(esc(t)) for t in items]


class _MiniMap(folium.elements.JSCSSMixin, MacroElement):
    """leaflet-minimap showing the country borders (and the basemap, if any)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var parts = [];
  {% if this.tiles %}parts.push(L.tileLayer({{ this.tiles|tojson }}, {{ this.tile_options|tojson }}));{% endif %}
  {% if this.borders %}parts.push(L.geoJson({{ this.borders.get_name() }}.toGeoJSON(), {style: corridor.style, interactive: false}));{% endif %}
  var mini = new L.Control.MiniMap(L.layerGroup(parts), {{ this.options|tojson }});
  mini.addTo({{ this._parent.get_name() }});
  mini.getContainer().classList.add("corridor-map-bg");
  corridor.minimap = mini;
})();
{% endmacro %}
""")

    default_js = folium.plugins.MiniMap.default_js
    default_css = folium.plugins.MiniMap.default_css

    def __init__(self, borders: DataLayer | None, tiles: str | None = None, tile_options: dict | None = None) -> None:
        super().__init__()
        self._name = "CorridorMiniMap"
        self.borders = borders
        self.tiles, self.tile_options = tiles, tile_options or {}
        self.options = {"position": "bottomright", "width": 150, "height": 150, "zoomLevelOffset": -5,
                        "toggleDisplay": True, "minimized": False}


# --------------------------------------------------------------------------- legend

def _legend_line(color: str, label: str, dashed: bool = False, weight: int = 3) -> str:
    cls = "sw ln dash" if dashed else "sw ln"
    return f'<div class="row"><span class="{cls}" style="border-top-color:{color};border-top-width:{weight}px"></span>{esc(label)}</div>'


def _legend_dot(color: str, label: str, approx: bool = False) -> str:
    cls = "dot approx" if approx else "dot"
    return f'<div class="row"><span class="{cls}" style="background:{color}"></span>{esc(label)}</div>'


def _legend_poly(color: str, label: str, opacity: float = 0.5) -> str:
    return (f'<div class="row"><span class="sw poly" style="background:{color};opacity:{opacity}"></span>'
            f'{esc(label)}</div>')


def _legend_icon(icon_cls: str, label: str, inner: str = "") -> str:
    return (f'<div class="row"><span class="iconbox"><span class="{icon_cls}">{inner}</span></span>'
            f'{esc(label)}</div>')


def _crossing_legend() -> list[str]:
    return [_legend_icon("cx cx-open", "crossing open"),
            _legend_icon("cx cx-closed", "crossing closed", "<span>\u00d7</span>"),
            _legend_icon("cx cx-planned", "crossing planned (closed unless a scenario opens it)")]


def _panel_html(title: str, note: str, legend: list[str], extra: str | None = None) -> str:
    body = "".join(legend)
    more = f'<div class="note">{esc(extra)}</div>' if extra else ""
    return (f'<details open><summary>{esc(title)}</summary><div class="note">Data: {esc(note)}</div>{more}'
            f"{body}</details>")


# --------------------------------------------------------------------------- the base map

class CorridorMap(folium.Map):
    """A ``folium.Map`` that shows itself in Jupyter with its assets inlined (no CDN).

    ``corridor_counts`` holds the number of features of each layer, by key.
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        page = to_html(self)
        return ('<div style="width:100%;height:0;padding-bottom:60%;position:relative">'
                f'<iframe srcdoc="{html_mod.escape(page, quote=True)}" style="position:absolute;width:100%;'
                'height:100%;left:0;top:0;border:none" allowfullscreen></iframe></div>')


def _resolve_tiles(tiles: str | None) -> str | None:
    if tiles is None:
        return None
    key = str(tiles).strip()
    return TILE_ALIASES.get(key.lower(), key) if key.lower() in TILE_ALIASES else key


def _fit(bbox: Sequence[float], bounds: Sequence[float] | None, pad: float = 0.08) -> tuple[float, float, float, float]:
    """The view: ``bounds`` (padded) when given and finite, else the region's bbox."""
    if bounds is None or not all(np.isfinite(bounds)):
        return tuple(bbox)  # type: ignore[return-value]
    w, s, e, n = bounds
    dx, dy = max(e - w, 0.05) * pad, max(n - s, 0.05) * pad
    return (w - dx, s - dy, e + dx, n + dy)


def _base_map(bbox: Sequence[float], tiles: str | None, region: str | None = None,
              bounds: Sequence[float] | None = None) -> tuple[CorridorMap, DataLayer]:
    w, s, e, n = _fit(bbox, bounds)
    m = CorridorMap(location=[(s + n) / 2, (w + e) / 2], zoom_start=8, tiles=None, prefer_canvas=True,
                   control_scale=True, zoom_control=True, max_bounds=False)
    # no jQuery, Bootstrap, Font Awesome or awesome-markers: Leaflet alone
    m.default_js = [js for js in folium.Map.default_js if js[0] == "leaflet"]
    m.default_css = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]
    m.corridor_counts = {}
    m.corridor_kind = "map"
    m.add_child(_Setup())
    m.add_child(_Pane("corridorBorders", 250, interactive=False))
    tiles = _resolve_tiles(tiles)
    online = tiles is not None
    m.corridor_tiles = tiles
    tile_url, tile_opts = None, None
    if online:
        layer = folium.TileLayer(tiles, name=esc(str(tiles)), overlay=False, control=True)
        m.add_child(layer)
        tile_url, tile_opts = layer.tiles, dict(layer.options)
    borders = load_borders()
    feats = []
    for _, row in borders.iterrows():
        cc = row.get("country")
        style = {"color": BORDER_COLOR, "weight": 1.2, "opacity": 0.9,
                 "fillColor": LAND_COLOR, "fillOpacity": 0.0 if online else 1.0, "fill": not online}
        feats.append(_feature(row.geometry, style=style, decimals=3, country=cc))
    borders_layer = DataLayer("borders", "Country borders (Natural Earth)", feats, pane="corridorBorders",
                              interactive=False)
    m.add_child(borders_layer)
    m.corridor_counts["borders"] = len(feats)
    if bounds is not None:
        # keep the subject clear of the legend (bottom left) and the layer control (top right)
        m.fit_bounds([[s, w], [n, e]], padding_top_left=(330, 10), padding_bottom_right=(340, 10), max_zoom=12)
    else:
        m.fit_bounds([[s, w], [n, e]])
    m.corridor_minimap = _MiniMap(borders_layer, tile_url, tile_opts)
    return m, borders_layer


def _add_layer(m: folium.Map, layer: DataLayer) -> DataLayer:
    m.add_child(layer)
    m.corridor_counts[layer.key] = layer.count
    return layer


def _finish(m: folium.Map, panel_html: str, sources: Iterable[str] | None = None) -> folium.Map:
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    folium.plugins.MeasureControl(position="topleft", primary_length_unit="kilometers",
                                  secondary_length_unit="miles", primary_area_unit="sqkilometers").add_to(m)
    m.add_child(m.corridor_minimap)
    credits = list(settings_mod.ATTRIBUTION.values()) if sources is None else list(sources)
    m.add_child(_Attribution(credits))
    m.add_child(InfoPanel(panel_html))
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return m


# --------------------------------------------------------------------------- network layers

def _status_of_crossings(net: Any) -> dict[str, str]:
    """Effective status per crossing in this network (scenario applied)."""
    seen: dict[str, set] = defaultdict(set)
    for _, _, d in net.graph.edges(data=True):
        if d.get("mode") == "crossing":
            seen[d["crossing_id"]].add(d.get("status", "open"))
    out = {}
    for cid, statuses in seen.items():
        entry = net.registry[cid] if cid in net.registry else {}
        if "open" in statuses:
            out[cid] = "open"
        elif entry.get("status") == "planned":
            out[cid] = "planned"
        else:
            out[cid] = "closed"
    return out


def _network_line_layers(net: Any, context: bool = False) -> list[DataLayer]:
    """Roads, rail by gauge, sea lanes and synthetic connectors as merged line layers."""
    g = net.graph
    tol = LINE_TOLERANCE.get(net.region, 0.001)
    s = net.settings
    roads: dict[str, list] = defaultdict(list)
    rails: dict[tuple, list] = defaultdict(list)
    connectors: dict[str, list] = defaultdict(list)
    sea: dict[frozenset, tuple] = {}
    seen: set = set()
    for u, v, d in g.edges(data=True):
        mode = d.get("mode")
        key = (frozenset((u, v)), mode, d.get("gauge_mm"))
        if key in seen:
            continue
        seen.add(key)
        if mode == "road":
            roads[g.nodes[u]["country"]].append(_edge_line(g, u, v, d))
        elif mode == "rail":
            gauge = "dual" if d.get("dual_gauge") else int(d.get("gauge_mm") or 1435)
            if gauge == "dual" and (frozenset((u.split(":", 2)[-1], v.split(":", 2)[-1])), "dual") in seen:
                continue  # the dual-gauge track appears once per gauge layer: draw it once
            if gauge == "dual":
                seen.add((frozenset((u.split(":", 2)[-1], v.split(":", 2)[-1])), "dual"))
            rails[(gauge, g.nodes[u]["country"])].append(_edge_line(g, u, v, d))
        elif mode == "sea":
            pair = frozenset((u, v))
            if pair not in sea:
                sea[pair] = (u, v, d)
        elif d.get("synthetic") and mode in ("connector", "transfer"):
            connectors[d.get("layer_of") or ("rail" if mode == "transfer" else "road")].append(_edge_line(g, u, v, d))
    layers = []
    fade = 0.45 if context else 0.9
    thin = 0.6 if context else 1.0
    feats = []
    for cc, segs in sorted(roads.items()):
        speed = s.road_speed_kph.get(cc, s.road_speed_kph["default"])
        tip = _tip(f"Road, {settings_mod.COUNTRIES.get(cc, cc)}",
                   f"truck speed assumed {speed:.0f} km/h where the data has no class or limit")
        feats.append(_feature(_merge_lines(segs, tol), style={"color": ROAD_COLOR, "weight": 2 * thin, "opacity": fade},
                              tip=tip, country=cc))
    layers.append(DataLayer("roads", "Roads", feats))
    feats = []
    for (gauge, cc), segs in sorted(rails.items(), key=lambda t: (str(t[0][0]), t[0][1])):
        if gauge == "dual":
            color, label = DUAL_GAUGE_COLOR, "dual gauge 1435 + 1520 mm"
        else:
            color, label = RAIL_COLORS.get(gauge, "#000"), f"{gauge} mm ({GAUGE_NAMES.get(gauge, 'gauge')})"
        speed = s.rail_speed_kph.get(cc, s.rail_speed_kph["default"])
        tip = _tip(f"Rail, {label}", f"{settings_mod.COUNTRIES.get(cc, cc)}; freight speed {speed:.1f} km/h")
        feats.append(_feature(_merge_lines(segs, tol),
                              style={"color": color, "weight": (3.5 if gauge == "dual" else 2.5) * thin, "opacity": fade},
                              tip=tip, gauge=str(gauge), country=cc))
    layers.append(DataLayer("rail", "Rail (colour = gauge)", feats))
    feats = []
    for pair, (u, v, d) in sea.items():
        a = g.nodes[u].get("port_id", u)
        b = g.nodes[v].get("port_id", v)
        na = net.registry[a]["name"] if a in net.registry else a
        nb = net.registry[b]["name"] if b in net.registry else b
        geom = LineString(_edge_line(g, u, v, d)).simplify(tol * 4)
        tip = _tip(f"Sea lane {na} \u2013 {nb}", f"{d['length'] / 1000:,.0f} km at {s.sea_speed_knots:g} kn",
                   "schematic lane (searoute / MARNET)")
        feats.append(_feature(geom, style={"color": SEA_LANE_COLOR, "weight": 1.6 * thin, "opacity": fade * 0.9},
                              tip=tip))
    layers.append(DataLayer("sea", "Sea lanes", feats, show=not context))
    feats = []
    for layer_of, segs in sorted(connectors.items()):
        tip = _tip("Synthetic connector (made up)",
                   f"joins a registry point to the nearest {layer_of} node; not a real {layer_of}")
        feats.append(_feature(MultiLineString(segs), style={"color": CONNECTOR_COLOR, "weight": 1.5, "opacity": 0.9,
                                                           "dashArray": "5 5"}, tip=tip))
    layers.append(DataLayer("connectors", "Synthetic connectors (dashed)", feats, show=not context))
    return layers


def _crossings_layer(net: Any) -> DataLayer:
    status = _status_of_crossings(net)
    feats = []
    for cid, st in status.items():
        c = net.registry[cid]
        sc = net.scenario
        changed = cid in getattr(sc, "close", ()) or cid in getattr(sc, "open", ())
        popup = _rows([
            ("crossing", c["name"]), ("id", cid), ("countries", "\u2013".join(c.get("countries", []))),
            ("modes", ", ".join(c.get("modes", []))),
            ("status", st + (" (scenario)" if changed else "") + (f"; registry: {c.get('status')}" if c.get("status") != st else "")),
            ("dwell", _num(getattr(sc, "dwell", {}).get(cid, c.get("dwell_h")), "{:g}", " h")),
            ("fee", _num(getattr(sc, "fee", {}).get(cid, c.get("fee_usd_t")), "{:g}", " USD/t")),
            ("hours", c.get("hours")), ("position", _approx_note(c.get("location_quality")) or "surveyed"),
            ("source", c.get("source")), ("note", c.get("note")),
        ])
        tip = _tip(c["name"], f"border crossing ({', '.join(c.get('modes', []))}): {st}",
                   _approx_note(c.get("location_quality")))
        feats.append(_feature(Point(c["lon"], c["lat"]), tip=tip, popup=popup, icon=f"crossing-{st}", id=cid,
                              status=st))
    return DataLayer("crossings", "Border crossings (status)", feats)


def _place_style(kind: str, quality: Any, color: str | None = None, radius: float | None = None) -> dict:
    base = {"park": (PARK_COLOR, 7), "port": (PORT_COLOR, 7), "town": (TOWN_COLOR, 4)}.get(kind, ("#666", 5))
    col, rad = color or base[0], radius or base[1]
    style = {"radius": rad, "color": "#ffffff", "weight": 1.5, "fillColor": col, "fillOpacity": 0.95}
    if str(quality) == "approximate":
        style.update({"color": "#000000", "dashArray": "3 2", "weight": 1.5})
    return style


def _place_layers(net: Any) -> list[DataLayer]:
    g = net.graph
    by_kind: dict[str, list] = defaultdict(list)
    for n, d in g.nodes(data=True):
        if d.get("layer") != "place":
            continue
        kind = d.get("kind", "place")
        entry = net.registry[n] if n in net.registry else {}
        quality = d.get("location_quality", entry.get("location_quality", "surveyed"))
        pairs = [(kind, d.get("name", n)), ("id", n), ("country", settings_mod.COUNTRIES.get(d.get("country"), d.get("country"))),
                 ("position", _approx_note(quality) or "surveyed")]
        if kind == "port":
            pairs += [("UN/LOCODE", entry.get("locode")), ("ice", "closes in ice months" if entry.get("ice") else None),
                      ("overseas", "yes" if entry.get("overseas") else None)]
        if kind == "park":
            pairs += [("sectors", entry.get("sectors") if not isinstance(entry.get("sectors"), list)
                       else ", ".join(entry["sectors"])), ("placed by", entry.get("basis"))]
        pairs += [("source", entry.get("source")), ("note", entry.get("note"))]
        tip = _tip(d.get("name", n), kind, _approx_note(quality))
        by_kind[kind].append(_feature(Point(d["x"], d["y"]), style=_place_style(kind, quality), tip=tip,
                                      popup=_rows(pairs), id=str(n)))
    names = {"park": "Industrial parks", "port": "Ports", "town": "Towns"}
    order = ("town", "port", "park")
    return [DataLayer(f"{k}s", names.get(k, k), by_kind[k]) for k in order if k in by_kind] + \
           [DataLayer(f"{k}s", k, v) for k, v in by_kind.items() if k not in order]


def _gauge_change_layer(net: Any) -> DataLayer:
    g = net.graph
    spots: dict[tuple, dict] = {}
    for u, v, d in g.edges(data=True):
        if d.get("mode") == "transfer" and d.get("transfer") == "gauge":
            x, y = round(g.nodes[u]["x"], 3), round(g.nodes[u]["y"], 3)
            spots.setdefault((x, y), d)
    s = net.settings
    feats = [_feature(Point(x, y), style={"radius": 5, "color": "#000", "weight": 2, "fillColor": "#ffffff",
                                          "fillOpacity": 1.0},
                      tip=_tip("Change of gauge", f"{s.gauge_change_h:g} h and {s.gauge_change_usd_t:g} USD/t per change",
                               f"at crossing {d['crossing_id']}" if d.get("crossing_id") else None))
             for (x, y), d in spots.items()]
    return DataLayer("gauge_changes", "Changes of gauge", feats)


def _network_legend(net: Any) -> list[str]:
    rows = [_legend_line(ROAD_COLOR, "road"),
            _legend_line(RAIL_COLORS[1435], "rail 1435 mm (standard gauge)"),
            _legend_line(RAIL_COLORS[1520], "rail 1520 mm (Russian gauge)"),
            _legend_line(DUAL_GAUGE_COLOR, "rail dual gauge 1435 + 1520 mm", weight=4),
            _legend_line(SEA_LANE_COLOR, "sea lane (schematic)", weight=2),
            _legend_line(CONNECTOR_COLOR, "synthetic connector (made up)", dashed=True)]
    rows += _crossing_legend()
    rows += [_legend_dot(PORT_COLOR, "port"), _legend_dot(PARK_COLOR, "industrial park"),
             _legend_dot(TOWN_COLOR, "town"), _legend_dot("#ffffff", "dashed outline: position approximate", approx=True)]
    return rows


def _scenario_text(net: Any) -> str | None:
    sc = getattr(net, "scenario", None)
    if sc is None:
        return None
    parts = []
    if getattr(sc, "name", ""):
        parts.append(sc.name)
    if sc.close:
        parts.append("closed: " + ", ".join(sc.close))
    if sc.open:
        parts.append("opened: " + ", ".join(sc.open))
    if sc.dwell:
        parts.append("dwell: " + ", ".join(f"{k}={v:g} h" for k, v in sc.dwell.items()))
    if sc.fee:
        parts.append("fee: " + ", ".join(f"{k}={v:g} USD/t" for k, v in sc.fee.items()))
    if sc.speed_factor:
        parts.append("speed: " + ", ".join(f"{k}\u00d7{v:g}" for k, v in sc.speed_factor.items()))
    if sc.month:
        parts.append(f"month {sc.month}")
    return "Scenario: " + "; ".join(parts) if parts else None


def network_map(net: Any, tiles: str | None = None) -> folium.Map:
    """The multimodal network: roads, rail by gauge, sea lanes, crossings, ports, parks.

    Parameters
    ----------
    net : CorridorNetwork
        From :func:`corridor.network.build_network`.
    tiles : str, optional
        An online basemap (``"OpenStreetMap"``, ``"CartoDB positron"``, an
        xyzservices name or a URL template). Default: none, a plain
        background with country polygons that needs no internet.

    Returns
    -------
    folium.Map
        Write it with :func:`save_map`; ``m.corridor_counts`` holds the
        number of features per layer.

    Examples
    --------
    >>> from corridor.network import build_network
    >>> m = network_map(build_network("tumen"))
    >>> m.corridor_counts["crossings"] >= 8
    True
    """
    m, _ = _base_map(net.bbox, tiles, net.region)
    m.corridor_kind = "network"
    for layer in _network_line_layers(net):
        _add_layer(m, layer)
    _add_layer(m, _gauge_change_layer(net))
    for layer in _place_layers(net):
        _add_layer(m, layer)
    _add_layer(m, _crossings_layer(net))
    title = f"Corridor network \u2013 {net.region}"
    return _finish(m, _panel_html(title, net.data_note, _network_legend(net), _scenario_text(net)))


# --------------------------------------------------------------------------- reach

def _band_colors(n: int) -> list[str]:
    if n <= 1:
        return [BAND_COLORS[0]]
    idx = np.linspace(0, len(BAND_COLORS) - 1, n).round().astype(int)
    return [BAND_COLORS[i] for i in idx]


def _band_label(band: float, metric: str) -> str:
    return f"\u2264 {band:g} h" if metric == "time" else f"\u2264 {band:g} USD/t"


def _place_name(net: Any, pid: Any) -> str:
    pid = str(pid)
    return net.registry[pid]["name"] if pid in net.registry else pid


def _origin_layer(net: Any, origins: gpd.GeoDataFrame | None, ids: Sequence[str]) -> DataLayer:
    feats = []
    rows = []
    if origins is not None and len(origins):
        for _, r in origins.iterrows():
            rows.append((str(r["origin"]), r.geometry, r.get("snap_m")))
    else:
        for pid in ids:
            if pid in net.registry:
                e = net.registry[pid]
                rows.append((pid, Point(e["lon"], e["lat"]), None))
    for pid, geom, snap in rows:
        if geom is None or geom.is_empty:
            continue
        entry = net.registry[pid] if pid in net.registry else {}
        quality = entry.get("location_quality")
        snap_txt = _num(snap, "{:,.0f}", " m") if snap and float(snap) > 0 else None
        tip = _tip(f"Origin: {_place_name(net, pid)}", _approx_note(quality),
                   f"snapped {snap_txt} to the network" if snap_txt else None)
        popup = _rows([("origin", _place_name(net, pid)), ("id", pid), ("position", _approx_note(quality) or "surveyed"),
                       ("snapped to network", snap_txt), ("source", entry.get("source"))])
        feats.append(_feature(geom.centroid if geom.geom_type != "Point" else geom, tip=tip, popup=popup,
                              icon="origin", id=pid))
    return DataLayer("origins", "Origins", feats)


def reach_map(result: Any, tiles: str | None = None) -> folium.Map:
    """Reach bands coloured by threshold, the origins and the places reached.

    Parameters
    ----------
    result : ReachResult
        From :func:`corridor.reach.reach`: ``.polygons`` (``origin``,
        ``band``, ``metric``, ``area_km2``), ``.places`` (``origin``,
        ``place``, ``name``, ``kind``, ``hours``, ``cost_usd_t``, ``modes``,
        ``crossings``, ``location_quality``), ``.network``, ``.metric``.
    tiles : str, optional
        Online basemap, as for :func:`network_map`.

    Examples
    --------
    >>> from corridor.network import build_network
    >>> from corridor.reach import reach
    >>> m = reach_map(reach(build_network("tumen"), ["park-hbecz"], bands=[2, 8]))
    >>> m.corridor_counts["band-0"], m.corridor_counts["origins"]
    (1, 1)
    """
    net = result.network
    metric = getattr(result, "metric", None) or "time"
    polys = result.polygons
    extent = None
    if len(polys):
        extent = polys.total_bounds
        if len(result.places):
            pb = result.places.total_bounds
            extent = (min(extent[0], pb[0]), min(extent[1], pb[1]), max(extent[2], pb[2]), max(extent[3], pb[3]))
    m, _ = _base_map(net.bbox, tiles, net.region, bounds=extent)
    m.corridor_kind = "reach"
    for layer in _network_line_layers(net, context=True):
        layer.key = f"context-{layer.key}"
        _add_layer(m, layer)
    bands = sorted({float(b) for b in polys["band"]}) if len(polys) else list(getattr(result, "bands", []))
    colors = dict(zip(bands, _band_colors(len(bands))))
    unit = "h" if metric == "time" else "USD/t"
    # widest band first so the nearer bands draw on top
    for i, band in sorted(enumerate(bands), key=lambda t: -t[1]):
        sub = polys[polys["band"].astype(float) == band]
        feats = []
        for _, r in sub.iterrows():
            geom = r.geometry
            if geom is None or geom.is_empty:
                continue
            geom = geom.simplify(POLY_TOLERANCE / 3)
            label = _band_label(band, metric)
            tip = _tip(f"{label} from {_place_name(net, r['origin'])}",
                       f"area {_num(r.get('area_km2'), '{:,.0f}', ' km²')}")
            popup = _rows([("origin", _place_name(net, r["origin"])), ("band", label), ("metric", metric),
                           ("area", _num(r.get("area_km2"), "{:,.0f}", " km²")), ("scenario", r.get("scenario")),
                           ("data", r.get("source"))])
            feats.append(_feature(geom, style={"color": colors[band], "weight": 1, "opacity": 0.9,
                                               "fillColor": colors[band], "fillOpacity": 0.35},
                                  tip=tip, popup=popup, band=band))
        _add_layer(m, DataLayer(f"band-{i}", f"Reach {_band_label(band, metric)}", feats))
    # places: one marker per place, with the figures from every origin
    places = result.places
    feats = []
    if len(places):
        for pid, grp in places.groupby("place", sort=False):
            grp = grp.sort_values("hours" if metric == "time" else "cost_usd_t")
            best = grp.iloc[0]
            band = best.get("band")
            if band is None or (isinstance(band, float) and math.isnan(band)):
                val = best["hours"] if metric == "time" else best["cost_usd_t"]
                band = next((b for b in bands if float(val) <= b), bands[-1] if bands else 0)
            color = colors.get(float(band), "#666")
            quality = best.get("location_quality")
            lines = [f"{best.get('kind', '')}, {settings_mod.COUNTRIES.get(best.get('country'), best.get('country'))}"]
            pairs: list[tuple[str, Any]] = [(str(best.get("kind", "place")), best.get("name")), ("id", pid),
                                             ("position", _approx_note(quality) or "surveyed")]
            for _, r in grp.iterrows():
                oname = _place_name(net, r["origin"])
                fig = f"{_num(r['hours'], '{:,.1f}', ' h')}, {_num(r['cost_usd_t'], '{:,.1f}', ' USD/t')}"
                lines.append(f"from {oname}: {fig}; modes {r.get('modes') or '-'}")
                pairs += [(f"from {oname}", fig), ("modes", r.get("modes")), ("crossings", r.get("crossings")),
                          ("ports", r.get("ports"))]
            lines.append(_approx_note(quality))
            feats.append(_feature(best.geometry, style=_place_style(str(best.get("kind")), quality, color=color,
                                                                   radius=6),
                                  tip=_tip(best.get("name"), *lines), popup=_rows(pairs), id=str(pid)))
    _add_layer(m, DataLayer("places", "Places reached", feats))
    _add_layer(m, _crossings_layer(net))
    origin_ids = list(dict.fromkeys(str(o) for o in polys["origin"])) if len(polys) else []
    _add_layer(m, _origin_layer(net, getattr(result, "origins", None), origin_ids))
    legend = [_legend_poly(colors[b], _band_label(b, metric), 0.6) for b in bands]
    legend += [_legend_icon("origin", "origin"), _legend_dot("#888", "place reached (colour = band)"),
               _legend_dot("#ffffff", "dashed outline: position approximate", approx=True)]
    legend += _crossing_legend()
    legend += [_legend_line(CONNECTOR_COLOR, "synthetic connector (made up)", dashed=True)]
    names = ", ".join(_place_name(net, o) for o in origin_ids)
    title = f"Reach by {'travel time' if metric == 'time' else 'cost'} from {names}" if names else "Reach"
    extra = " ".join(x for x in (f"Bands in {unit}.", _scenario_text(net)) if x)
    return _finish(m, _panel_html(title, result.data_note if hasattr(result, "data_note") else net.data_note,
                                  legend, extra))


# --------------------------------------------------------------------------- compare

def _route_metrics(r: pd.Series) -> list[tuple[str, Any]]:
    def get(k: str) -> Any:
        return r[k] if k in r.index else None
    return [
        ("route", get("route")), ("rank", get("rank")), ("modes", get("modes")), ("chosen as", get("forced_via")),
        ("time", _num(get("hours"), "{:,.1f}", " h")), ("cost", _num(get("cost_usd_t"), "{:,.1f}", " USD/t")),
        ("road", _num(get("km_road"), "{:,.0f}", " km")), ("rail", _num(get("km_rail"), "{:,.0f}", " km")),
        ("sea", _num(get("km_sea"), "{:,.0f}", " km")), ("crossings", get("crossings")), ("ports", get("ports")),
        ("gauge changes", get("gauge_changes")), ("transfers", get("transfers")), ("countries", get("countries")),
        ("synthetic connectors", _num(get("synthetic_km"), "{:,.1f}", " km (made up)")),
        ("scenario", get("scenario")), ("data", get("source")),
    ]


def _route_pieces(geom: Any) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "MultiLineString":
        return list(geom.geoms)
    if geom.geom_type == "GeometryCollection":
        return [g for g in geom.geoms if g.geom_type in ("LineString", "MultiLineString")]
    return [geom]


def _synthetic_pairs(net: Any) -> set[tuple]:
    """Rounded end-point pairs of the network's synthetic edges (both directions)."""
    g = net.graph
    out = set()
    for u, v, d in g.edges(data=True):
        if d.get("synthetic"):
            a = (round(g.nodes[u]["x"], 6), round(g.nodes[u]["y"], 6))
            b = (round(g.nodes[v]["x"], 6), round(g.nodes[v]["y"], 6))
            out.add((a, b))
            out.add((b, a))
    return out


def split_synthetic(geom: Any, pairs: set[tuple]) -> list[tuple[Any, bool]]:
    """Cut a route line into runs of real and synthetic (made-up connector) segments.

    A segment is synthetic when its two end points are those of a synthetic
    edge of the network (connectors are straight lines between two nodes).

    Examples
    --------
    >>> line = LineString([(0, 0), (1, 0), (2, 0)])
    >>> [(list(g.coords), syn) for g, syn in split_synthetic(line, {((0.0, 0.0), (1.0, 0.0))})]
    [([(0.0, 0.0), (1.0, 0.0)], True), ([(1.0, 0.0), (2.0, 0.0)], False)]
    """
    runs: list[tuple[Any, bool]] = []
    for piece in _route_pieces(geom):
        coords = list(piece.coords)
        current: list = [coords[0]]
        flag: bool | None = None
        for a, b in zip(coords[:-1], coords[1:]):
            syn = ((round(a[0], 6), round(a[1], 6)), (round(b[0], 6), round(b[1], 6))) in pairs
            if flag is None or syn == flag:
                current.append(b)
            else:
                runs.append((LineString(current), flag))
                current = [a, b]
            flag = syn
        if len(current) > 1:
            runs.append((LineString(current), bool(flag)))
    return runs


def compare_map(comparison: Any, tiles: str | None = None) -> folium.Map:
    """One toggleable layer per route, with a popup of its metrics.

    Parameters
    ----------
    comparison : Comparison
        From :mod:`corridor.routes`: ``.routes`` (one row per route:
        ``route``, ``rank``, ``hours``, ``cost_usd_t``, ``km_road``,
        ``km_rail``, ``km_sea``, ``crossings``, ``ports``, ``gauge_changes``,
        ``transfers``, ``countries``, ``synthetic_km``, ``source``,
        ``scenario``, geometry), ``.network``; optionally ``.legs`` (rows
        with ``route``, ``mode``, ``synthetic`` and geometry), drawn with
        synthetic pieces dashed.
    tiles : str, optional
        Online basemap, as for :func:`network_map`.
    """
    net = comparison.network
    routes = comparison.routes
    extent = routes.total_bounds if len(routes) and not routes.geometry.is_empty.all() else None
    m, _ = _base_map(net.bbox, tiles, net.region, bounds=extent)
    m.corridor_kind = "compare"
    for layer in _network_line_layers(net, context=True):
        layer.key = f"context-{layer.key}"
        _add_layer(m, layer)
    _add_layer(m, _crossings_layer(net))
    legs = getattr(comparison, "legs", None)
    syn_pairs = _synthetic_pairs(net)
    legend = []
    ends: list[tuple[str, Any]] = []
    order = routes.sort_values("rank") if "rank" in routes.columns else routes
    for i, (_, r) in enumerate(order.iterrows()):
        color = ROUTE_COLORS[i % len(ROUTE_COLORS)]
        label = str(r.get("route", f"route {i + 1}"))
        popup = _rows(_route_metrics(r))
        tip = _tip(label, f"{_num(r.get('hours'), '{:,.1f}', ' h')}, {_num(r.get('cost_usd_t'), '{:,.1f}', ' USD/t')}",
                   f"via {r.get('crossings')}" if r.get("crossings") else None)
        weight = 6 if i == 0 else 4
        feats = []
        sub = None
        if legs is not None and len(legs) and "route" in legs.columns:
            sub = legs[legs["route"] == r.get("route")]
        if sub is not None and len(sub):
            for _, leg in sub.iterrows():
                synthetic = bool(leg.get("synthetic", False))
                style = {"color": color, "weight": weight - (2 if synthetic else 0), "opacity": 0.85}
                if synthetic:
                    style["dashArray"] = "6 6"
                for piece in _route_pieces(leg.geometry):
                    feats.append(_feature(piece.simplify(0.0005), style=style, tip=tip, popup=popup))
        else:
            for piece, synthetic in split_synthetic(r.geometry, syn_pairs):
                style = {"color": color, "weight": weight - (2 if synthetic else 0), "opacity": 0.85}
                if synthetic:
                    style["dashArray"] = "6 6"
                feats.append(_feature(piece.simplify(0.0005), style=style, tip=tip, popup=popup,
                                      synthetic=synthetic or None))
        if feats:
            geom = r.geometry
            pieces = _route_pieces(geom)
            if pieces:
                first, last = pieces[0], pieces[-1]
                ends.append(("start", Point(first.coords[0])))
                ends.append(("end", Point(last.coords[-1])))
        short = label if len(label) <= 34 else label[:33].rstrip(" ,;") + "\u2026"  # full label in the legend
        _add_layer(m, DataLayer(f"route-{i}", f"{i + 1}. {short}", feats, show=True))
        legend.append(_legend_line(color, f"{i + 1}. {label}: {_num(r.get('hours'), '{:,.1f}', ' h')}, "
                                          f"{_num(r.get('cost_usd_t'), '{:,.1f}', ' USD/t')}", weight=weight - 1))
    # start and end markers (shared by the routes; deduplicated)
    feats = []
    seen: set = set()
    for what, pt in ends:
        k = (what, round(pt.x, 4), round(pt.y, 4))
        if k in seen:
            continue
        seen.add(k)
        feats.append(_feature(pt, icon="origin" if what == "start" else "dest", tip=_tip(what.capitalize())))
    _add_layer(m, DataLayer("ends", "Start and end", feats))
    legend += [_legend_icon("origin", "start"), _legend_icon("dest", "end"),
               _legend_line("#333333", "dashed part of a route: synthetic connector (made up)", dashed=True)]
    legend += _crossing_legend()
    first = order.iloc[0] if len(order) else None
    title = "Route comparison"
    if first is not None and "route" in order.columns:
        title = f"Route comparison ({len(order)} route{'s' if len(order) != 1 else ''})"
    note = comparison.data_note if hasattr(comparison, "data_note") else net.data_note
    return _finish(m, _panel_html(title, note, legend, _scenario_text(net)))


# --------------------------------------------------------------------------- writing

def to_html(m: folium.Map) -> str:
    """The page as self-contained HTML: every script and style sheet inlined.

    Raises
    ------
    corridor.assets.AssetError
        A needed file is not vendored; the message names it and the set-up command.
    """
    return assets.inline_html(m.get_root().render())


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write a map as one self-contained HTML file (atomically).

    Examples
    --------
    >>> from corridor.network import build_network
    >>> import tempfile, pathlib
    >>> p = save_map(network_map(build_network("tumen")), pathlib.Path(tempfile.mkdtemp()) / "n.html")
    >>> p.stat().st_size < 3_000_000
    True
    """
    path = Path(path)
    write_text_atomic(path, to_html(m))
    return path


# --------------------------------------------------------------------------- static figures

def _net_of(obj: Any) -> Any:
    return obj if hasattr(obj, "graph") else obj.network


def save_png(obj: Any, path: str | Path, title: str | None = None, dpi: int = 150) -> Path:
    """A static figure for reports: borders, network, and reach bands or routes.

    Parameters
    ----------
    obj : CorridorNetwork, ReachResult or Comparison
        What to draw.
    path : str or Path
        Target ``.png`` (written atomically).
    title : str, optional
        Figure title (default: one describing ``obj``).

    Examples
    --------
    >>> from corridor.network import build_network
    >>> import tempfile, pathlib
    >>> p = save_png(build_network("tumen"), pathlib.Path(tempfile.mkdtemp()) / "n.png")
    >>> p.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    net = _net_of(obj)
    w, s, e, n = net.bbox
    fig, ax = plt.subplots(figsize=(10, 8.5))
    try:
        ax.set_facecolor(SEA_COLOR)
        borders = load_borders()
        borders.plot(ax=ax, color=LAND_COLOR, edgecolor=BORDER_COLOR, linewidth=0.8, zorder=1)
        handles: list[Any] = []
        g = net.graph
        context = not hasattr(obj, "graph")
        lines: dict[str, list] = defaultdict(list)
        for u, v, d in g.edges(data=True):
            mode = d.get("mode")
            if mode == "road":
                lines["road"].append(_edge_line(g, u, v, d))
            elif mode == "rail":
                key = "dual" if d.get("dual_gauge") else f"rail{int(d.get('gauge_mm') or 1435)}"
                lines[key].append(_edge_line(g, u, v, d))
            elif mode == "sea":
                lines["sea"].append(_edge_line(g, u, v, d))
            elif d.get("synthetic"):
                lines["connector"].append(_edge_line(g, u, v, d))
        styles = {"road": (ROAD_COLOR, 0.9, "-", "road"), "rail1435": (RAIL_COLORS[1435], 1.2, "-", "rail 1435 mm"),
                  "rail1520": (RAIL_COLORS[1520], 1.2, "-", "rail 1520 mm"),
                  "rail1067": (RAIL_COLORS[1067], 1.2, "-", "rail 1067 mm"),
                  "dual": (DUAL_GAUGE_COLOR, 1.8, "-", "rail dual gauge"),
                  "sea": (SEA_LANE_COLOR, 0.8, "-", "sea lane"),
                  "connector": (CONNECTOR_COLOR, 0.8, "--", "synthetic connector")}
        from matplotlib.collections import LineCollection
        for key, segs in lines.items():
            color, lw, ls, label = styles.get(key, ("#000", 1, "-", key))
            ax.add_collection(LineCollection(segs, colors=color, linewidths=lw * (0.7 if context else 1),
                                             linestyles=ls, alpha=0.5 if context else 0.9, zorder=3))
            if not context:
                handles.append(Line2D([], [], color=color, lw=lw * 1.5, ls=ls, label=label))
        if hasattr(obj, "polygons"):
            polys = obj.polygons
            bands = sorted({float(b) for b in polys["band"]})
            colors = dict(zip(bands, _band_colors(len(bands))))
            for band in reversed(bands):
                sub = polys[polys["band"].astype(float) == band]
                if len(sub):
                    sub.plot(ax=ax, color=colors[band], alpha=0.35, edgecolor=colors[band], linewidth=0.8, zorder=2)
                handles.append(Patch(facecolor=colors[band], alpha=0.5, label=_band_label(band, obj.metric)))
            if len(obj.places):
                pts = obj.places.drop_duplicates("place")
                ax.scatter(pts.geometry.x, pts.geometry.y, s=14, c="#222", zorder=6)
            origins = getattr(obj, "origins", None)
            if origins is not None and len(origins):
                ax.scatter(origins.geometry.x, origins.geometry.y, s=90, marker="*", c="#000", zorder=7)
                handles.append(Line2D([], [], marker="*", color="#000", ls="", ms=11, label="origin"))
        if hasattr(obj, "routes"):
            routes = obj.routes.sort_values("rank") if "rank" in obj.routes.columns else obj.routes
            for i, (_, r) in enumerate(routes.iterrows()):
                color = ROUTE_COLORS[i % len(ROUTE_COLORS)]
                gs = gpd.GeoSeries([r.geometry], crs="EPSG:4326")
                gs.plot(ax=ax, color=color, linewidth=3.5 if i == 0 else 2.5, alpha=0.85, zorder=5)
                handles.append(Line2D([], [], color=color, lw=3,
                                      label=f"{i + 1}. {r.get('route')}: {_num(r.get('hours'), '{:,.1f}', ' h')}, "
                                            f"{_num(r.get('cost_usd_t'), '{:,.1f}', ' USD/t')}"))
        status = _status_of_crossings(net)
        for st, color in STATUS_COLORS.items():
            pts = [(net.registry[c]["lon"], net.registry[c]["lat"]) for c, v in status.items() if v == st]
            if pts:
                xs, ys = zip(*pts)
                ax.scatter(xs, ys, marker="D", s=40, c=color, edgecolors="#222", linewidths=0.8, zorder=8)
                handles.append(Line2D([], [], marker="D", color=color, markeredgecolor="#222", ls="", ms=7,
                                      label=f"crossing {st}"))
        if not context:
            pts = [(d["x"], d["y"], d.get("kind")) for _, d in g.nodes(data=True) if d.get("layer") == "place"]
            for kind, color, size in (("park", PARK_COLOR, 30), ("port", PORT_COLOR, 30), ("town", TOWN_COLOR, 10)):
                sel = [(x, y) for x, y, k in pts if k == kind]
                if sel:
                    xs, ys = zip(*sel)
                    ax.scatter(xs, ys, s=size, c=color, edgecolors="white", linewidths=0.6, zorder=7)
                    handles.append(Line2D([], [], marker="o", color=color, ls="", ms=6, label=kind))
        extent = None
        if hasattr(obj, "routes") and len(obj.routes):
            extent = obj.routes.total_bounds
        elif hasattr(obj, "polygons") and len(obj.polygons):
            extent = obj.polygons.total_bounds
        w, s, e, n = _fit(net.bbox, extent)
        ax.set_xlim(w, e)
        ax.set_ylim(s, n)
        ax.set_aspect(1 / math.cos(math.radians((s + n) / 2)))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        if title is None:
            if hasattr(obj, "polygons"):
                names = ", ".join(_place_name(net, o) for o in dict.fromkeys(obj.polygons["origin"].astype(str)))
                title = f"Reach by {'travel time' if obj.metric == 'time' else 'cost'} from {names}"
            elif hasattr(obj, "routes"):
                title = f"Route comparison ({len(obj.routes)} routes)"
            else:
                title = f"Corridor network \u2013 {net.region}"
        ax.set_title(title, fontsize=12)
        if handles:
            ax.legend(handles=handles, loc="best", fontsize=7.5, framealpha=0.9)
        note = getattr(obj, "data_note", net.data_note)
        import textwrap
        foot = textwrap.fill(f"Data: {note}. Sources: {settings_mod.ATTRIBUTION_TEXT}", 150)
        fig.text(0.01, 0.005, foot, fontsize=6.5, va="bottom", ha="left", color="#333")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=dpi))
    finally:
        plt.close(fig)
    return Path(path)
