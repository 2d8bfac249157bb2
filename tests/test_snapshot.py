"""The embedded snapshot: rebuilt byte for byte from the registry packages, small, complete."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from corridor import settings
from corridor.sources.snapshot import load_snapshot

GEODATA = settings.GEODATA_DIR
GENERATED = [
    "snapshot/tumen.json", "snapshot/northeast-asia.json", "snapshot/sea.geojson", "borders.geojson",
    "registry/towns.geojson", "registry/ports.geojson", "provenance.json",
]


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in GENERATED}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    pytest.importorskip("scgraph_data", reason="the build needs pip install -e '.[build]'")
    from corridor.sources.build import build_all

    out = []
    for name in ("a", "b"):
        folder = tmp_path_factory.mktemp(name)
        shutil.copytree(GEODATA / "registry", folder / "registry")  # curated files stay as they are
        build_all(folder)
        out.append(folder)
    return out


def test_rebuild_twice_gives_identical_bytes(two_builds):
    a, b = two_builds
    assert _digests(a) == _digests(b)


def test_committed_snapshot_is_what_the_build_makes(two_builds):
    assert _digests(two_builds[0]) == _digests(GEODATA)


def test_geodata_is_small():
    total = sum(p.stat().st_size for p in GEODATA.rglob("*") if p.is_file() and "osm" not in p.parts)
    assert total < 5 * 1024 * 1024


@pytest.mark.parametrize("region", list(settings.REGIONS))
def test_snapshot_loads_with_countries(region):
    src = load_snapshot(region)
    w, s, e, n = settings.REGIONS[region]
    for g in (src.road, src.rail):
        assert g.graph["crs"] == "EPSG:4326"
        xs = [d["x"] for _, d in g.nodes(data=True)]
        ys = [d["y"] for _, d in g.nodes(data=True)]
        assert w <= min(xs) and max(xs) <= e and s <= min(ys) and max(ys) <= n
        countries = {d["country"] for _, d in g.nodes(data=True)}
        assert {"CN", "KP", "RU"} <= countries
        assert all(d["length"] > 0 for _, _, d in g.edges(data=True))


def test_provenance_credits_and_measures():
    prov = json.loads((GEODATA / "provenance.json").read_text(encoding="utf-8"))
    text = json.dumps(prov)
    for credit in ("OpenStreetMap", "GeoNames", "Natural Earth", "searoute"):
        assert credit in text
    tumen = prov["statistics"]["regions"]["tumen"]
    src = load_snapshot("tumen")
    # the statistics are measured from the very files that ship
    assert tumen["road"]["nodes"] == src.road.number_of_nodes()
    assert tumen["rail"]["edges"] * 2 == src.rail.number_of_edges()
    assert any("town-kraskino" in gap for gap in prov["statistics"]["gaps"])


def test_unknown_region():
    from corridor.errors import InputError

    with pytest.raises(InputError, match="valid: tumen, northeast-asia"):
        load_snapshot("atlantis")
