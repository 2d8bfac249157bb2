"""The command line as users and acceptance checks run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corridor import settings

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True,
                          env=e, cwd=cwd or ROOT, timeout=300)


def test_places_json():
    r = run("places", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {"id", "name", "kind", "lon", "lat"} <= set(rows[0])
    assert {row["kind"] for row in rows} == {"park", "crossing", "port", "town"}
    assert len({row["id"] for row in rows}) == len(rows)
    crossings = json.loads(run("places", "--kind", "crossing", "--format", "json").stdout)
    assert {row["kind"] for row in crossings} == {"crossing"}


def test_info_prints_source_region_counts_attribution():
    r = run("info")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "data source : snapshot" in out and "region      : tumen" in out
    for mode in ("road", "rail", "sea", "crossing", "transfer", "connector"):
        assert f"{mode} " in out.split("edges/mode")[1].split("\n")[0]
    assert "OpenStreetMap" in out and "GeoNames" in out and "Natural Earth" in out and "searoute" in out
    assert "quanhe-wonjong" in out and "border edges dropped" in out
    info = json.loads(run("info", "--format", "json", "--region", "northeast-asia").stdout)
    assert info["region"] == "northeast-asia" and info["edges_by_mode"]["rail"] > 5000


@pytest.mark.parametrize("args,needle", [
    (["reach", "--from", "park-nowhere", "--hours", "2"], "valid ids: park-hbecz"),
    (["reach", "--from", "park-hbecz", "--hours", "-2"], "must be a positive number"),
    (["reach", "--from", "park-hbecz", "--hours", "0"], "must be a positive number"),
    (["reach", "--from", "park-hbecz", "--hours", "abc"], "is not a number"),
    (["reach", "--from", "park-hbecz", "--modes", "plane"], "valid: road, rail, sea"),
    (["compare", "--from", "park-hbecz", "--to", "port-busan", "--close", "nope"], "not a crossing or port"),
    (["compare", "--from", "park-hbecz", "--to", "port-busan", "--dwell", "quanhe-wonjong=x"], "is not a number"),
    (["info", "--region", "mars"], "unknown region 'mars'; valid: a preset (tumen, northeast-asia)"),
    (["places", "--kind", "lake"], "valid: park, crossing, port, town"),
    (["reach"], "--from"),
    (["compare", "--from", "park-hbecz", "--to", "port-busan", "--out", "x.xlsx"], "valid: .csv"),
])
def test_bad_input_exit_2_one_line(args, needle, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["invalid-json", "missing-coordinate", "unknown-mode", "duplicate-id"])
def test_broken_registry_exit_2_writes_nothing(tmp_path, case):
    geo = tmp_path / "geodata"
    shutil.copytree(settings.GEODATA_DIR, geo, ignore=shutil.ignore_patterns("osm"))
    reg = geo / "registry"
    if case == "invalid-json":
        (reg / "crossings.geojson").write_text("{not json", encoding="utf-8")
        needle = "crossings.geojson: entry -: invalid JSON"
    else:
        fname = {"missing-coordinate": "parks.geojson", "unknown-mode": "crossings.geojson",
                 "duplicate-id": "towns.geojson"}[case]
        doc = json.loads((reg / fname).read_text(encoding="utf-8"))
        f = doc["features"]
        if case == "missing-coordinate":
            del f[0]["geometry"]["coordinates"]
            needle = "parks.geojson: entry 'park-hbecz': missing or invalid coordinate"
        elif case == "unknown-mode":
            f[0]["properties"]["modes"] = ["hovercraft"]
            needle = "crossings.geojson: entry 'quanhe-wonjong': unknown mode 'hovercraft'"
        else:
            f[2]["properties"]["id"] = f[0]["properties"]["id"]
            needle = "towns.geojson: entry 'town-hunchun': duplicate id"
        (reg / fname).write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for args in (["places"], ["reach", "--from", "park-hbecz", "--hours", "2", "--out", str(out / "r.geojson")]):
        r = run(*args, env={"CORRIDOR_GEODATA": str(geo)}, cwd=out)
        assert r.returncode == 2, r.stderr
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_reach_writes_geojson_and_places_csv(tmp_path):
    r = run("reach", "--from", "park-hbecz", "--hours", "2", "4", "8", "24", "--out", str(tmp_path / "r.geojson"),
            "--places-out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    assert "OpenStreetMap" in doc["attribution"] and "snapshot" in doc["data"]
    props = [f["properties"] for f in doc["features"]]
    assert [p["hours"] for p in props] == [2, 4, 8, 24]
    assert all(p["origin"] == "park-hbecz" and p["area_km2"] > 0 for p in props)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in doc["features"])
    lines = (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if not line.startswith("#"))
    assert header.startswith("origin,place,name,kind,country,hours,cost_usd_t")


def test_reach_metric_cost(tmp_path):
    r = run("reach", "--from", "park-hbecz", "--metric", "cost", "--usd", "20", "50", "--out", str(tmp_path / "c.geojson"))
    assert r.returncode == 0, r.stderr
    props = [f["properties"] for f in json.loads((tmp_path / "c.geojson").read_text())["features"]]
    assert [p["cost_usd_t"] for p in props] == [20, 50] and props[0]["area_km2"] < props[1]["area_km2"]


def test_compare_csv_columns_and_scenario(tmp_path):
    r = run("compare", "--from", "park-hbecz", "--to", "port-busan", "--out", str(tmp_path / "c.csv"))
    assert r.returncode == 0, r.stderr
    import pandas as pd

    df = pd.read_csv(tmp_path / "c.csv", comment="#")
    for col in ("route", "hours", "cost_usd_t", "km_road", "km_rail", "km_sea", "crossings", "gauge_changes",
                "transfers", "countries", "synthetic_km"):
        assert col in df.columns
    assert len(df) >= 3
    best_crossing = df.iloc[0]["crossings"].split(";")[0]
    r2 = run("compare", "--from", "park-hbecz", "--to", "port-busan", "--close", best_crossing)
    assert r2.returncode == 0, r2.stderr
    assert "best route changed" in r2.stdout and "impossible" in r2.stdout


def test_compare_unreachable_exit_2():
    r = run("compare", "--from", "park-hbecz", "--to", "port-busan", "--modes", "road")
    assert r.returncode == 2
    assert "no route from park-hbecz to port-busan" in r.stderr


def test_python_m_and_console_script_agree():
    exe = shutil.which("corridor", path=os.path.dirname(sys.executable)) or shutil.which("corridor")
    if exe is None:
        pytest.fail("the corridor console script is not installed next to this Python")
    a = subprocess.run([exe, "places", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert a.returncode == 0 and a.stdout == run("places", "--format", "json").stdout


def test_scenario_file_and_profile(tmp_path):
    scen = tmp_path / "s.toml"
    scen.write_text('name = "Quanhe closed"\nclose = ["quanhe-wonjong"]\n[dwell]\nhunchun-makhalino = 24\n',
                    encoding="utf-8")
    r = run("compare", "--from", "park-hbecz", "--to", "port-rajin", "--modes", "road", "--scenario", str(scen))
    assert r.returncode == 0, r.stderr
    assert "scenario: Quanhe closed" in r.stdout and "impossible" in r.stdout
    prof = tmp_path / "p.toml"
    prof.write_text("[road_speed_kph]\nCN = 30.0\n", encoding="utf-8")
    slow = run("compare", "--from", "park-hbecz", "--to", "town-yanji", "--modes", "road", "--profile", str(prof),
               "--out", str(tmp_path / "slow.csv"))
    fast = run("compare", "--from", "park-hbecz", "--to", "town-yanji", "--modes", "road",
               "--out", str(tmp_path / "fast.csv"))
    assert slow.returncode == 0 and fast.returncode == 0, slow.stderr + fast.stderr
    import pandas as pd

    h_slow = pd.read_csv(tmp_path / "slow.csv", comment="#").hours.iloc[0]
    h_fast = pd.read_csv(tmp_path / "fast.csv", comment="#").hours.iloc[0]
    assert h_slow > 1.5 * h_fast


@pytest.mark.parametrize("flag,content,needle", [
    ("--scenario", "close = [", "not valid TOML"),
    ("--scenario", "colse = ['quanhe-wonjong']", "unknown scenario keys colse"),
    ("--scenario", "close = ['atlantis']", "cannot close or open 'atlantis'"),
    ("--scenario", "[dwell]\nquanhe-wonjong = -3", "must be a number >= 0"),
    ("--profile", "sea_speed_knots = -5", "must be a number > 0"),
    ("--profile", "connector_speed_kph = 0", "must be a number > 0"),
    ("--profile", "reach_hours = 5", "takes a non-empty list"),
    ("--profile", "[rail_speed_kph]\nKP = 'fast'", "is not a number"),
    ("--profile", "[speed_factor]\ntransfer = 2", "unknown mode 'transfer'"),
    ("--profile", "warp = 9", "unknown setting 'warp'"),
])
def test_bad_scenario_or_profile_file_exit_2(tmp_path, flag, content, needle):
    path = tmp_path / "f.toml"
    path.write_text(content, encoding="utf-8")
    r = run("reach", "--from", "park-hbecz", "--hours", "2", flag, str(path))
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_lat_lon_snap_is_reported(tmp_path):
    r = run("compare", "--from", "42.87,130.35", "--to", "port-rajin", "--out", str(tmp_path / "c.csv"))
    assert r.returncode == 0, r.stderr
    assert "note: origin 42.8700,130.3500 moved" in r.stdout
    head = (tmp_path / "c.csv").read_text(encoding="utf-8").splitlines()[:5]
    assert any(line.startswith("# snapped: origin 42.8700,130.3500 moved") for line in head)


def test_profile_bands_are_the_default_bands(tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text("reach_hours = [1, 3]\n", encoding="utf-8")
    r = run("reach", "--from", "park-hbecz", "--profile", str(prof), "--out", str(tmp_path / "r.geojson"))
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["hours"] for f in doc["features"]] == [1, 3]


def test_output_folder_must_exist(tmp_path):
    r = run("reach", "--from", "park-hbecz", "--hours", "2", "--out", str(tmp_path / "no" / "such" / "r.geojson"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert not (tmp_path / "no").exists()


def test_compare_scenario_without_any_route_exit_2():
    r = run("compare", "--from", "park-hbecz", "--to", "town-vladivostok", "--modes", "rail",
            "--dwell", "quanhe-wonjong=1")
    assert r.returncode == 2 and "neither in the baseline nor under" in r.stderr
