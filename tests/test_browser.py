"""Every kind of map, opened in headless Debian Chromium with the network blocked.

Checks: Leaflet initialised and the map object exists; every layer drew the
features the page was built with; the controls are there; nothing was
requested (tiles only when asked for); the console is clean; hostile names
render as text and run nothing. Screenshots go to
``outputs/screenshots/`` for a person to look at.

Skipped only when Chromium (``apt-get install -y chromium``) or Playwright
(``pip install playwright``) is missing; CI installs both.
"""

from __future__ import annotations

import os

import pytest

from corridor import assets, maps, settings
from corridor.network import build_network
from tests.browser_util import (
    check_map_in_browser,
    chromium_available,
    launch,
    skip_reason,
)
from tests.test_maps import (
    HOSTILE,
    HOSTILE_CROSSING,
    fake_comparison,
    fake_reach,
    hostile_network,
)

# On a developer's machine without Chromium the browser tests skip and say why;
# in CI (CI=true) .ci/run installs Chromium and the assets, so they must run.
_IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.skipif(not _IN_CI and not chromium_available(), reason=skip_reason() or "browser unavailable"),
    pytest.mark.skipif(not _IN_CI and bool(assets.missing_assets()),
                       reason=f"map assets not installed: run `{assets.SETUP_COMMAND}`"),
]

SHOTS = settings.OUTPUTS_DIR / "screenshots"


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def tumen():
    return build_network("tumen")


@pytest.fixture(scope="module")
def pages(tmp_path_factory, tumen):
    """Build each map once: name -> (path, folium map)."""
    out = tmp_path_factory.mktemp("maps")
    built = {}

    def add(name, m):
        built[name] = (maps.save_map(m, out / f"{name}.html"), m)

    add("network_tumen", maps.network_map(tumen))
    add("network_northeast-asia", maps.network_map(build_network("northeast-asia")))
    from corridor.reach import reach
    add("reach_tumen", maps.reach_map(reach(tumen, ["park-hbecz", "park-epz"], bands=[2, 4, 8, 24])))
    add("compare_tumen", maps.compare_map(fake_comparison(tumen)))
    hostile = hostile_network(out / "registry")
    add("hostile_network", maps.network_map(hostile))
    add("hostile_reach", maps.reach_map(fake_reach(hostile)))
    add("hostile_compare", maps.compare_map(fake_comparison(hostile, labels=(HOSTILE, HOSTILE_CROSSING))))
    add("network_tumen_osm_tiles", maps.network_map(tumen, tiles="OpenStreetMap"))
    return built


def _assert_drawn(report: dict, m) -> None:
    assert report["ok"], report["problems"]
    drawn = {k: v["features"] for k, v in report["layers"].items()}
    assert drawn == m.corridor_counts
    for key, info in report["layers"].items():
        if info["on_map"]:
            assert info["drawn"] == m.corridor_counts[key], key
    assert report["canvas_ink"] > 1000, "the canvas is blank"
    for credit in settings.ATTRIBUTION.values():
        assert credit in report["attribution"], credit


@pytest.mark.parametrize("name", ["network_tumen", "network_northeast-asia", "reach_tumen", "compare_tumen"])
def test_map_draws_offline(browser, pages, name):
    path, m = pages[name]
    shot = SHOTS / f"{name}.png"
    report = check_map_in_browser(path, browser=browser, screenshot=shot)
    _assert_drawn(report, m)
    assert report["requests"] == [] and report["tile_requests"] == []
    assert report["tile_layers"] == 0
    assert "Data: " in report["info"] and "snapshot data" in report["info"]
    assert shot.stat().st_size == report["screenshot_bytes"] > 20_000


def test_network_map_layers(browser, pages):
    path, m = pages["network_tumen"]
    report = check_map_in_browser(path, browser=browser)
    names = report["overlay_names"]
    for expected in ("Roads", "Rail (colour = gauge)", "Sea lanes", "Synthetic connectors (dashed)",
                     "Border crossings (status)", "Ports", "Industrial parks"):
        assert expected in names
    assert report["markers"] == m.corridor_counts["crossings"]  # crossings are DivIcon markers
    assert report["paths"] >= sum(v for k, v in m.corridor_counts.items() if k != "crossings")


def test_compare_map_has_a_layer_per_route(browser, pages):
    path, m = pages["compare_tumen"]
    report = check_map_in_browser(path, browser=browser, open_popups=True)
    assert report["ok"], report["problems"]
    assert any(n.startswith("1. via Quanhe") for n in report["overlay_names"])
    assert any(n.startswith("2. via Tumangang") for n in report["overlay_names"])
    assert any("gauge changes2" in t and "30.2 h" in t for t in report["texts"])


@pytest.mark.parametrize("name", ["hostile_network", "hostile_reach", "hostile_compare"])
def test_hostile_names_render_as_text_and_run_nothing(browser, pages, name):
    path, m = pages[name]
    report = check_map_in_browser(path, browser=browser, open_popups=True,
                                  screenshot=SHOTS / f"{name}.png" if name == "hostile_network" else None)
    assert report["ok"], report["problems"]
    assert report["alerts"] == [] and report["hostile_images"] == 0
    shown = "\n".join(report["texts"] + report["overlay_names"] + [report["info"]])
    assert HOSTILE in shown  # shown literally: escaped once, not twice
    assert "&lt;" not in shown
    if name != "hostile_reach":
        assert HOSTILE_CROSSING in shown


def test_online_tiles_blocked_map_still_draws(browser, pages):
    path, m = pages["network_tumen_osm_tiles"]
    report = check_map_in_browser(path, browser=browser, allow_tiles=True,
                                  screenshot=SHOTS / "network_tumen_osm_tiles.png")
    _assert_drawn(report, m)
    assert report["tile_layers"] == 1
    assert report["tile_requests"], "the basemap was asked for but never requested"
    assert all("tile.openstreetmap.org" in u for u in report["tile_requests"])
    assert report["requests"] == []


def test_checker_catches_cdn_links_dialogs_and_injected_images(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<html><head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
                    "</head><body><script>alert('x')</script><img src=x></body></html>", encoding="utf-8")
    report = check_map_in_browser(page, browser=browser, timeout_ms=1500)
    assert not report["ok"]
    # the CDN script, and the injected image trying to load
    assert set(report["requests"]) == {"https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
                                       (tmp_path / "x").as_uri()}
    assert report["alerts"] == ["alert:x"] and report["hostile_images"] == 1
    assert not report["leaflet"] and not report["ready"]
    assert any("console errors" in p for p in report["problems"])


def test_real_reach_map_with_cost_metric(browser, tumen, tmp_path):
    from corridor.reach import reach
    r = reach(tumen, ["park-russia"], bands=[20, 50], metric="cost")
    m = maps.reach_map(r)
    report = check_map_in_browser(maps.save_map(m, tmp_path / "reach_cost.html"), browser=browser)
    _assert_drawn(report, m)
    assert "Reach \u2264 20 USD/t" in report["overlay_names"]


def test_real_comparison_map(browser, tumen, tmp_path):
    from corridor.routes import compare

    comp = compare(tumen, "park-hbecz", "port-rajin")
    m = maps.compare_map(comp)
    report = check_map_in_browser(maps.save_map(m, tmp_path / "compare.html"), browser=browser,
                                  screenshot=SHOTS / "compare_real_tumen.png", open_popups=True)
    _assert_drawn(report, m)
    routes = {k: v for k, v in report["layers"].items() if k.startswith("route-")}
    assert len(routes) == len(comp.routes)
    # the made-up connectors at the ends of each route are drawn dashed
    for (key, info), synthetic_km in zip(sorted(routes.items()), comp.routes.sort_values("rank").synthetic_km):
        assert (info["dashed"] > 0) == (synthetic_km > 0), key
    assert any("synthetic connectors" in t and "made up" in t for t in report["texts"])
