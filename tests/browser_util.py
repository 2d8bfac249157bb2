"""Open corridor's HTML maps in headless Debian Chromium with the network blocked.

Used by ``tests/test_browser.py`` and by the command-line tests: call
:func:`check_map_in_browser` on any map a command wrote.

Chromium comes from Debian (``apt-get install -y chromium``) and is driven by
Playwright for Python with ``executable_path``; Playwright's own browser
download is never used. Every request that is not the page's own file is
aborted and recorded; ``window.alert``/``confirm``/``prompt`` are replaced
before the page loads so that script smuggled in through a name is caught.

Examples
--------
Used from a test (``tests/test_cli_maps.py`` does this for every map the
command line writes)::

    report = check_map_in_browser("outputs/network_tumen.html")
    assert report["ok"], report["problems"]
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Debian's Chromium; override with CORRIDOR_CHROMIUM
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 860}
#: a basemap tile request: .../{z}/{x}/{y}.png (optionally @2x, any image type)
TILE_URL = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp)(\?.*)?$", re.I)

_INIT_SCRIPT = """
(() => {
  window.__corridorAlerts = [];
  const record = (kind) => function (msg) { window.__corridorAlerts.push(kind + ":" + String(msg)); return kind === "confirm" ? false : null; };
  window.alert = record("alert");
  window.confirm = record("confirm");
  window.prompt = record("prompt");
})();
"""

_INSPECT = """
() => {
  const out = {leaflet: typeof window.L === "object" && typeof L.map === "function", map: false,
               layers: {}, paths: 0, markers: 0, controls: {}, overlay_names: [], canvas_ink: 0,
               attribution: "", info: "", tile_layers: 0};
  if (!out.leaflet || !window.corridor || !corridor.map) { return out; }
  const map = corridor.map;
  out.map = map instanceof L.Map;
  for (const [key, group] of Object.entries(corridor.layers)) {
    let n = 0, drawn = 0, dashed = 0;
    group.eachLayer((l) => {
      n++;
      if (map.hasLayer(l)) { drawn++; }
      if (l.options && l.options.dashArray) { dashed++; }
    });
    out.layers[key] = {name: corridor.names[key], expected: corridor.expected[key], features: n,
                       on_map: map.hasLayer(group), drawn: drawn, dashed: dashed};
  }
  for (const l of Object.values(map._layers)) {
    if (l instanceof L.Path) { out.paths++; } else if (l instanceof L.Marker) { out.markers++; }
  }
  const q = (sel) => document.querySelector(sel);
  out.controls = {
    layers: !!q(".leaflet-control-layers"),
    scale: !!q(".leaflet-control-scale"),
    fullscreen: !!q(".leaflet-control-zoom-fullscreen, .leaflet-control-fullscreen"),
    measure: !!q(".leaflet-control-measure"),
    minimap: !!q(".leaflet-control-minimap"),
    zoom: !!q(".leaflet-control-zoom"),
  };
  out.attribution = (q(".leaflet-control-attribution") || {}).textContent || "";
  out.info = (q(".corridor-info") || {}).textContent || "";
  out.overlay_names = Array.from(document.querySelectorAll(".leaflet-control-layers-overlays label"))
    .map((e) => e.textContent.trim());
  document.querySelectorAll(".leaflet-map-pane canvas").forEach((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 64) { if (d[i] > 0) { out.canvas_ink++; } }
  });
  out.tile_layers = Object.values(map._layers).filter((l) => l instanceof L.TileLayer).length;
  return out;
}
"""

# open every tooltip and popup once, collecting their text: proves that hostile
# names render as text (and gives any smuggled script its chance to run)
_OPEN_ALL = """
() => {
  const map = corridor.map, texts = [];
  for (const group of Object.values(corridor.layers)) {
    if (!map.hasLayer(group)) { continue; }
    group.eachLayer((l) => {
      for (const kind of ["Tooltip", "Popup"]) {
        const bound = l["get" + kind] && l["get" + kind]();
        if (!bound) { continue; }
        try {
          l["open" + kind]();
          const el = bound.getElement && bound.getElement();
          if (el) { texts.push(el.textContent); }
          l["close" + kind]();
        } catch (e) { texts.push("ERROR " + e); }
      }
    });
  }
  return texts;
}
"""


def chromium_available() -> bool:
    """True if Debian's Chromium and Playwright for Python are both installed."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def skip_reason() -> str:
    """Why the browser checks cannot run here (empty if they can)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python not installed (pip install playwright)"
    return ""


@contextlib.contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``); Playwright gives it a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def check_map_in_browser(path: str | os.PathLike, *, browser: Any = None, screenshot: str | os.PathLike | None = None,
                         allow_tiles: bool = False, open_popups: bool = False,
                         timeout_ms: int = 20000) -> dict[str, Any]:
    """Open a map page from ``file://`` with the network blocked and report what it drew.

    Parameters
    ----------
    path : path-like
        The HTML file.
    browser : playwright Browser, optional
        Reuse a running browser (see :func:`launch`); default: start one.
    screenshot : path-like, optional
        Save a PNG of the page here (atomically).
    allow_tiles : bool
        Basemap tile requests were asked for: record them, but do not count
        them (or the console errors of their failure) as problems.
    open_popups : bool
        Open every tooltip and popup once and return their texts in ``texts``.

    Returns
    -------
    dict
        ``leaflet`` and ``map`` (bool: initialised), ``layers`` (key ->
        ``name``, ``expected``, ``features``, ``on_map``, ``drawn``), ``paths``
        and ``markers`` (vector features in ``map._layers``), ``controls``,
        ``attribution``, ``info`` (the data-note panel's text),
        ``overlay_names``, ``canvas_ink``, ``console_errors``, ``page_errors``,
        ``requests`` (blocked or unexpected, not tiles), ``tile_requests``,
        ``alerts``, ``hostile_images``, ``texts``, ``ready``, and ``problems`` (a list of
        one-line findings; empty when all is well) and ``ok``.
    """
    if browser is None:
        with launch() as b:
            return check_map_in_browser(path, browser=b, screenshot=screenshot, allow_tiles=allow_tiles,
                                        open_popups=open_popups, timeout_ms=timeout_ms)
    page_path = Path(path).resolve()
    page_url = page_path.as_uri()
    requests: list[str] = []
    tiles: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, service_workers="block", offline=False)
    try:
        def route(r: Any) -> None:
            url = r.request.url
            if url == page_url or url.split("#", 1)[0] == page_url:
                r.continue_()
                return
            (tiles if TILE_URL.search(url) else requests).append(url)
            r.abort()

        context.route("**/*", route)
        context.add_init_script(_INIT_SCRIPT)
        page = context.new_page()
        page.on("console", lambda m: console_errors.append(f"{m.text} @ {m.location.get('url', '')}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto(page_url, wait_until="load", timeout=timeout_ms)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            page.wait_for_function("() => window.corridor && corridor.map && corridor.info", timeout=timeout_ms)
            ready = True
        except PlaywrightTimeout:
            ready = False
        page.wait_for_timeout(250)  # let the canvas renderer paint
        report: dict[str, Any] = page.evaluate(_INSPECT)
        if screenshot is not None:
            png = page.screenshot(full_page=False)
            from corridor.io import write_bytes_atomic
            write_bytes_atomic(screenshot, png)
            report["screenshot_bytes"] = len(png)
        report["ready"] = ready
        report["texts"] = page.evaluate(_OPEN_ALL) if open_popups and ready else []
        report["alerts"] = page.evaluate("() => window.__corridorAlerts || []")
        report["hostile_images"] = page.evaluate(
            "() => Array.from(document.querySelectorAll('img')).filter(i => i.getAttribute('src') === 'x'"
            " || i.hasAttribute('onerror')).length")
    finally:
        context.close()
    if allow_tiles:
        console_errors = [e for e in console_errors
                          if not ("Failed to load resource" in e and TILE_URL.search(e.rsplit(" @ ", 1)[-1]))]
    report.update(console_errors=console_errors, page_errors=page_errors, requests=requests, tile_requests=tiles)
    problems = []
    if not report["ready"]:
        problems.append(f"the map did not finish initialising within {timeout_ms} ms")
    if not report.get("leaflet"):
        problems.append("Leaflet did not load (window.L missing)")
    if not report.get("map"):
        problems.append("no Leaflet map object (window.corridor.map)")
    for key, info in report.get("layers", {}).items():
        if info["features"] != info["expected"]:
            problems.append(f"layer {key}: {info['features']} features built, {info['expected']} expected")
        if info["on_map"] and info["drawn"] != info["features"]:
            problems.append(f"layer {key}: {info['drawn']} of {info['features']} features on the map")
    for name, present in report.get("controls", {}).items():
        if not present:
            problems.append(f"control missing: {name}")
    if console_errors:
        problems.append(f"console errors: {console_errors[:3]}")
    if page_errors:
        problems.append(f"page errors: {page_errors[:3]}")
    if requests:
        problems.append(f"requests attempted: {requests[:3]}")
    if tiles and not allow_tiles:
        problems.append(f"tile requests without tiles asked for: {tiles[:3]}")
    if report["alerts"]:
        problems.append(f"dialogs opened by page script: {report['alerts'][:3]}")
    if report["hostile_images"]:
        problems.append(f"{report['hostile_images']} injected <img> element(s)")
    report["problems"] = problems
    report["ok"] = not problems
    return report
