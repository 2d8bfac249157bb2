"""Maps without a browser: escaping, attribution, offline assets, sizes, PNG figures.

The browser checks (Leaflet initialised, features drawn, no requests, no
console errors) live in ``test_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from corridor import assets, maps, settings
from corridor.network import build, build_network
from corridor.registry import load_registry
from corridor.sources.snapshot import load_snapshot

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_JS = "`${alert(2)}`\\"
HOSTILE_CROSSING = "</script><script>alert(3)</script>"

# skip without the assets on a developer's machine; in CI (CI=true) they are installed and must be used
needs_assets = pytest.mark.skipif(not os.environ.get("CI") and bool(assets.missing_assets()),
                                  reason=f"map assets not installed: run `{assets.SETUP_COMMAND}`")


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def tumen():
    return build_network("tumen")


def hostile_network(folder: Path):
    """The tumen network built from a registry copy with hostile names."""
    src = settings.GEODATA_DIR / "registry"
    shutil.copytree(src, folder)
    parks = json.loads((folder / "parks.geojson").read_text(encoding="utf-8"))
    for f in parks["features"]:
        if f["properties"]["id"] == "park-hbecz":
            f["properties"]["name"] = HOSTILE
            f["properties"]["source"] = HOSTILE_JS
    (folder / "parks.geojson").write_text(json.dumps(parks), encoding="utf-8")
    crossings = json.loads((folder / "crossings.geojson").read_text(encoding="utf-8"))
    for f in crossings["features"]:
        if f["properties"]["id"] == "quanhe-wonjong":
            f["properties"]["name"] = HOSTILE_CROSSING
    (folder / "crossings.geojson").write_text(json.dumps(crossings), encoding="utf-8")
    return build(load_snapshot("tumen"), load_registry(folder))


def fake_comparison(net, labels=("via Quanhe\u2013Wonjong (road)", "via Tumangang\u2013Khasan (rail)")):
    """A comparison shaped like corridor.routes' result, built by hand."""
    def line(*ids):
        return LineString([(net.registry[i]["lon"], net.registry[i]["lat"]) for i in ids])
    routes = gpd.GeoDataFrame({
        "route": list(labels), "rank": [1, 2], "hours": [10.5, 30.25], "cost_usd_t": [45.0, 60.5],
        "km_road": [90.0, 20.0], "km_rail": [0.0, 150.0], "km_sea": [0.0, 0.0],
        "crossings": ["quanhe-wonjong", "hunchun-makhalino;tumangang-khasan"], "ports": ["port-rajin"] * 2,
        "gauge_changes": [0, 2], "transfers": [0, 2], "countries": ["CN;KP", "CN;RU;KP"], "synthetic_km": [3.2, 5.0],
        "source": ["snapshot"] * 2, "scenario": ["baseline"] * 2,
    }, geometry=[line("park-hbecz", "quanhe-wonjong", "port-rajin"),
                 line("park-hbecz", "hunchun-makhalino", "tumangang-khasan", "port-rajin")], crs="EPSG:4326")
    return SimpleNamespace(routes=routes, network=net, data_note=net.data_note)


def fake_reach(net, origin="park-hbecz"):
    """A reach result shaped like corridor.reach's, built by hand."""
    e = net.registry[origin]
    p = Point(e["lon"], e["lat"])
    polygons = gpd.GeoDataFrame({"origin": [origin] * 2, "band": [2.0, 8.0], "metric": ["time"] * 2,
                                 "hours": [2.0, 8.0], "area_km2": [100.0, 900.0]},
                                geometry=[p.buffer(0.1), p.buffer(0.3)], crs="EPSG:4326")
    t = net.registry["town-hunchun"]
    places = gpd.GeoDataFrame({"origin": [origin], "place": ["town-hunchun"], "name": ["Hunchun"], "kind": ["town"],
                               "country": ["CN"], "hours": [0.4], "cost_usd_t": [1.2], "modes": ["road"],
                               "crossings": [""], "location_quality": ["surveyed"]},
                              geometry=[Point(t["lon"], t["lat"])], crs="EPSG:4326")
    return SimpleNamespace(polygons=polygons, places=places, network=net, metric="time", data_note=net.data_note)


# --------------------------------------------------------------------------- escaping

def test_esc_escapes_html_and_template_literal_characters():
    assert maps.esc(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    out = maps.esc(HOSTILE_JS)
    assert not set("`$\\<>") & set(out)
    assert maps.esc("a & \"b\" 'c'") == "a &amp; &quot;b&quot; &#x27;c&#x27;"
    assert maps.esc(float("nan")) == "" and maps.esc(None) == ""


def test_js_json_cannot_close_the_script_element():
    text = maps._js_json({"a": "</script><script>alert(1)</script>", "b": "\u2028"})
    assert "</" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "\u2028"}


@needs_assets
def test_hostile_names_never_reach_the_page_unescaped(tmp_path):
    net = hostile_network(tmp_path / "registry")
    assert net.registry["park-hbecz"]["name"] == HOSTILE
    pages = {
        "network": maps.network_map(net),
        "reach": maps.reach_map(fake_reach(net)),
        "compare": maps.compare_map(fake_comparison(net, labels=(HOSTILE, HOSTILE_CROSSING))),
    }
    for kind, m in pages.items():
        html = maps.to_html(m)
        for raw in (HOSTILE, "<img", HOSTILE_CROSSING, "${alert", "alert(3)</script>"):
            assert raw not in html, (kind, raw)
        # the escaped name is in the page's data (as JSON: & is \u0026)
        assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html, kind
        # no script element besides the inlined assets and folium's own
        assert html.count("<script") == html.count("</script>")


# --------------------------------------------------------------------------- content

@needs_assets
def test_network_map_layers_attribution_and_note(tumen, tmp_path):
    m = maps.network_map(tumen)
    counts = m.corridor_counts
    crossings_in_graph = {d["crossing_id"] for *_, d in tumen.graph.edges(data=True) if d["mode"] == "crossing"}
    assert counts["crossings"] == len(crossings_in_graph) >= 8
    assert counts["parks"] == len(tumen.registry.of_kind("park"))
    assert counts["ports"] == sum(1 for _, d in tumen.graph.nodes(data=True) if d.get("kind") == "port")
    assert counts["sea"] == sum(1 for *_, d in tumen.graph.edges(data=True) if d["mode"] == "sea") // 2
    assert counts["rail"] >= 3 and counts["roads"] >= 1 and counts["connectors"] >= 1 and counts["borders"] >= 4
    path = maps.save_map(m, tmp_path / "sub" / "network.html")
    html = path.read_text(encoding="utf-8")
    for credit in settings.ATTRIBUTION.values():
        assert json.dumps(maps.esc(credit), ensure_ascii=False).replace("&", "\\u0026") in html
    assert maps._js_json(maps.esc(tumen.data_note))[1:-1] in html
    # status icons for open, closed and planned crossings; dashed connectors
    assert '"icon":"crossing-open"' in html and '"icon":"crossing-planned"' in html
    assert '"dashArray":"5 5"' in html
    # approximate positions say so
    assert "position approximate (not surveyed)" in html
    # controls
    for marker in ("L.control.layers", "L.control.fullscreen", "L.Control.Measure", "L.Control.MiniMap",
                   "L.control.scale", "preferCanvas"):
        assert marker in html, marker
    assert not list(tmp_path.joinpath("sub").glob(".*tmp*")), "atomic write left a temp file"


@needs_assets
def test_closed_crossing_shows_closed(tumen):
    from corridor.network import apply_scenario
    from corridor.scenario import Scenario
    closed = apply_scenario(tumen, Scenario(close=("quanhe-wonjong",), open=("tumangang-khasan-road",)))
    status = maps._status_of_crossings(closed)
    assert status["quanhe-wonjong"] == "closed"
    assert status["tumangang-khasan-road"] == "open"
    assert maps._status_of_crossings(tumen)["tumangang-khasan-road"] == "planned"
    html = maps.to_html(maps.network_map(closed))
    assert '"icon":"crossing-closed"' in html
    assert "Scenario: closed: quanhe-wonjong" in html


@needs_assets
def test_reach_map_bands_legend_and_places(tumen):
    r = fake_reach(tumen)
    m = maps.reach_map(r)
    assert m.corridor_counts["band-0"] == 1 and m.corridor_counts["band-1"] == 1
    assert m.corridor_counts["places"] == 1 and m.corridor_counts["origins"] == 1
    html = maps.to_html(m)
    assert "\\u2264 2 h" in html or "≤ 2 h" in html
    assert "from Hunchun Border Economic Cooperation Zone: 0.4 h, 1.2 USD/t; modes road" in html


@needs_assets
def test_compare_map_one_layer_per_route_with_metrics(tumen):
    m = maps.compare_map(fake_comparison(tumen))
    routes = [k for k in m.corridor_counts if k.startswith("route-")]
    assert routes == ["route-0", "route-1"]
    html = maps.to_html(m)
    assert "1. via Quanhe" in html and "2. via Tumangang" in html
    assert "30.2 h" in html and "60.5 USD/t" in html and "5.0 km (made up)" in html


# --------------------------------------------------------------------------- offline

@needs_assets
def test_saved_pages_link_nothing_online(tumen, tmp_path):
    html = maps.save_map(maps.network_map(tumen), tmp_path / "n.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    for lib in ("jquery", "bootstrap", "awesome-markers", "fontawesome"):
        assert f"{lib}" not in html.lower().split("/* leaflet-measure")[0], lib
    assert "leaflet@1.9.4 dist/leaflet.js" in html


def test_missing_asset_fails_with_the_setup_command(tumen, tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path / "empty")
    with pytest.raises(assets.AssetError) as err:
        maps.save_map(maps.network_map(tumen), tmp_path / "n.html")
    msg = str(err.value)
    assert "leaflet/dist/leaflet.js" in msg and assets.SETUP_COMMAND in msg and "\n" not in msg
    assert not (tmp_path / "n.html").exists()


def test_unknown_cdn_link_is_refused():
    with pytest.raises(assets.AssetError, match="jquery"):
        assets.inline_html('<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>')
    with pytest.raises(assets.AssetError, match="bootstrap"):
        assets.inline_html('<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css"/>')


def test_asset_urls_of_folium_templates_are_all_vendored():
    import folium.plugins
    for cls in (folium.plugins.Fullscreen, folium.plugins.MeasureControl, folium.plugins.MiniMap):
        for _, url in cls.default_js + cls.default_css:
            assert assets.asset_for_url(url) is not None, url
    leaflet = [u for n, u in folium.Map.default_js + folium.Map.default_css if n in ("leaflet", "leaflet_css")]
    assert [assets.asset_for_url(u).key for u in leaflet] == ["leaflet.js", "leaflet.css"]


@needs_assets
def test_css_images_are_inlined():
    css = assets.read_asset("measure.css") + assets.read_asset("leaflet.css") + assets.read_asset("minimap.css")
    refs = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert refs and all(r.startswith(("data:", "#")) for r in refs)


@needs_assets
def test_online_tiles_are_optional_and_credited(tumen):
    html = maps.to_html(maps.network_map(tumen, tiles="OpenStreetMap"))
    assert "tile.openstreetmap.org" in html
    assert '"fillOpacity":0.0' in html  # land polygons let the tiles show through
    plain = maps.to_html(maps.network_map(tumen))
    assert "tile.openstreetmap.org" not in plain


# --------------------------------------------------------------------------- size

@needs_assets
def test_northeast_asia_network_map_under_3_mb(tmp_path):
    net = build_network("northeast-asia")
    path = maps.save_map(maps.network_map(net), tmp_path / "nea.html")
    assert path.stat().st_size < 3_000_000


# --------------------------------------------------------------------------- PNG

def test_save_png_for_network_reach_and_compare(tumen, tmp_path):
    for name, obj in (("network", tumen), ("reach", fake_reach(tumen)), ("compare", fake_comparison(tumen))):
        p = maps.save_png(obj, tmp_path / f"{name}.png", dpi=60)
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, name


# --------------------------------------------------------------------------- with the real engine

def test_reach_map_from_real_reach(tumen):
    from corridor.reach import reach

    r = reach(tumen, ["park-hbecz"], bands=[2, 8])
    m = maps.reach_map(r)
    assert m.corridor_counts["band-0"] == 1 and m.corridor_counts["band-1"] == 1
    assert m.corridor_counts["places"] == r.places["place"].nunique()
