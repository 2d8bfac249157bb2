"""Live OSM end to end through the command line, against the local Overpass stand-in.

fetch → saved graphs → `corridor info` and `corridor reach` use them; `--osm-file`
reads a user's own OSM XML the same way. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from overpass_stub import OverpassStub  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "osm" / "hunchun_border.osm"
REGION = "130.5,42.6,130.85,42.95"


def run(args, env):
    e = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", **env}
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=300)


@pytest.fixture
def env(tmp_path):
    return {"CORRIDOR_OSM_DIR": str(tmp_path / "osm"), "CORRIDOR_CACHE": str(tmp_path / "cache")}


def test_fetch_then_info_and_reach_use_osm(env, tmp_path):
    with OverpassStub(FIXTURE, delay=0.0) as stub:
        r = run(["fetch", "--region", REGION, "--overpass-url", stub.url], env)
        assert r.returncode == 0, r.stderr
        assert "fetched" in r.stdout and stub.interpreter_requests >= 3
    assert len(list(Path(env["CORRIDOR_OSM_DIR"]).rglob("meta.json"))) == 1

    # the stub is gone: everything from here on reads the saved graphs
    info = run(["info", "--region", REGION, "--format", "json"], env)
    assert info.returncode == 0, info.stderr
    doc = json.loads(info.stdout)
    assert doc["source"] == "osm" and "OpenStreetMap" in doc["detail"] + json.dumps(doc["attribution"])
    assert doc["edges_by_mode"]["road"] > 0 and doc["edges_by_mode"]["rail"] > 0
    text = run(["info", "--region", REGION], env).stdout
    assert "data source : osm" in text

    out = tmp_path / "r.geojson"
    reach = run(["reach", "--region", REGION, "--from", "42.87,130.62", "--hours", "0.5", "1", "--modes", "road",
                 "--out", str(out)], env)
    assert reach.returncode == 0, reach.stderr
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["data"].startswith("osm data")
    areas = [f["properties"]["area_km2"] for f in fc["features"]]
    assert len(areas) == 2 and 0 < areas[0] <= areas[1]


def test_osm_file_option(env):
    r = run(["info", "--osm-file", str(FIXTURE), "--region", REGION, "--format", "json"], env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["source"] == "osm-file" and doc["edges_by_mode"]["road"] > 0


def test_osm_file_missing_is_bad_input(env, tmp_path):
    r = run(["info", "--osm-file", str(tmp_path / "nope.osm")], env)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_source_osm_without_fetch_says_what_to_do(env):
    r = run(["info", "--source", "osm"], env)
    assert r.returncode == 2
    assert "corridor fetch --region tumen" in r.stderr


def test_osm_network_uses_tags_and_ferries():
    """OSM tags drive the model: gauge tags give gauge layers, highway classes speeds, ferries sea edges."""
    from corridor.network import build
    from corridor.sources.osm import load_osm_file

    net = build(load_osm_file(FIXTURE))
    g = net.graph
    ferries = [d for _, _, d in g.edges(data=True) if d.get("ferry")]
    assert ferries and all(d["mode"] == "sea" for d in ferries)
    assert net.report["ferry_edges"] == len(ferries)
    rail = [d for _, _, d in g.edges(data=True) if d["mode"] == "rail"]
    assert {d["gauge_mm"] for d in rail} >= {1435, 1520}
    roads = [d for _, _, d in g.edges(data=True) if d["mode"] == "road" and d.get("highway")]
    by_class = {}
    for d in roads:
        by_class.setdefault(d["highway"] if isinstance(d["highway"], str) else d["highway"][0], set()).add(d["speed_kph"])
    assert len({max(v) for v in by_class.values()}) > 1  # classes differ in speed
    assert net.source == "osm-file" and "OpenStreetMap" in net.detail + net.data_note + str(net.meta)
