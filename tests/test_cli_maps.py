"""Every map the command line writes opens in headless Chromium, offline, with all layers drawn.

Runs `corridor demo`, `corridor reach --map` and `corridor compare --map` as a
user would, then checks each HTML page with the network blocked. Screenshots
land in outputs/screenshots/cli/ for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from corridor import assets, settings
from tests.browser_util import (
    check_map_in_browser,
    chromium_available,
    launch,
    skip_reason,
)

ROOT = Path(__file__).resolve().parents[1]
_IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.skipif(not _IN_CI and not chromium_available(), reason=skip_reason() or "browser unavailable"),
    pytest.mark.skipif(not _IN_CI and bool(assets.missing_assets()),
                       reason=f"map assets not installed: run `{assets.SETUP_COMMAND}`"),
]
SHOTS = settings.OUTPUTS_DIR / "screenshots" / "cli"


def run(*args, cwd):
    r = subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, cwd=cwd,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def cli_maps(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-maps")
    run("demo", "--outputs", str(d / "demo"), "--no-png", cwd=d)
    run("reach", "--from", "park-hbecz", "--from", "park-epz", "--hours", "2", "4", "8", "24",
        "--map", str(d / "reach.html"), "--png", str(d / "reach.png"), cwd=d)
    run("reach", "--from", "park-hbecz", "--metric", "cost", "--usd", "20", "50", "--map", str(d / "reach_cost.html"), cwd=d)
    run("compare", "--from", "park-hbecz", "--to", "port-busan", "--map", str(d / "compare.html"),
        "--png", str(d / "compare.png"), cwd=d)
    run("compare", "--from", "park-hbecz", "--to", "port-busan", "--close", "changlingzi-kraskino",
        "--map", str(d / "compare_closed.html"), cwd=d)
    run("reach", "--region", "northeast-asia", "--from", "park-hbecz", "--hours", "8", "24",
        "--map", str(d / "reach_nea.html"), cwd=d)
    return sorted(d.rglob("*.html")), sorted(d.glob("*.png"))


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


def test_every_cli_map_draws_offline(cli_maps, browser):
    pages, _ = cli_maps
    assert len(pages) == 10  # 5 from the demo, 5 from reach and compare
    for page in pages:
        rep = check_map_in_browser(page, browser=browser, screenshot=SHOTS / f"{page.stem}.png")
        assert rep["ok"], (page.name, rep["problems"])
        assert rep["leaflet"] and rep["map"]
        assert not rep["console_errors"] and not rep["page_errors"] and not rep["requests"]
        drawn = {k: v for k, v in rep["layers"].items() if v["on_map"]}
        assert drawn and all(v["drawn"] == v["expected"] for v in drawn.values()), (page.name, rep["layers"])
        assert "OpenStreetMap" in rep["attribution"] and "snapshot" in rep["info"]
        assert page.stat().st_size < 3 * 1024 * 1024


def test_cli_png_figures(cli_maps):
    _, pngs = cli_maps
    assert [p.name for p in pngs] == ["compare.png", "reach.png"]
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
