"""Registry: loads, validates, and names file, entry and problem when broken."""

from __future__ import annotations

import json
import shutil

import pytest

from corridor import settings
from corridor.errors import RegistryError
from corridor.registry import load_registry


def test_registry_has_every_kind_and_region_crossing():
    reg = load_registry()
    for kind in ("park", "crossing", "port", "town"):
        assert reg.ids(kind), kind
    for cid in ("quanhe-wonjong", "changlingzi-kraskino", "hunchun-makhalino", "tumangang-khasan",
                "tumangang-khasan-road", "shatuozi-saebyol", "tumen-namyang", "sanhe-hoeryong"):
        c = reg[cid]
        assert c["kind"] == "crossing" and c["source"] and c["dwell_h"] >= 0 and c["fee_usd_t"] >= 0
    assert reg["tumangang-khasan-road"]["status"] == "planned"
    assert set(reg["tumen-namyang"]["modes"]) == {"rail", "road"}
    for pid in reg.ids("park"):
        assert reg[pid]["location_quality"] == "approximate" and reg[pid]["basis"]
    for port in ("port-rajin", "port-zarubino", "port-posyet", "port-slavyanka", "port-vladivostok",
                 "port-busan", "port-sokcho", "port-niigata"):
        assert reg[port]["kind"] == "port"


def test_places_gdf():
    gdf = load_registry().places("town")
    assert list(gdf.columns[:8]) == ["id", "name", "kind", "country", "lon", "lat", "location_quality", "source"]
    hun = gdf.set_index("id").loc["town-hunchun"]
    assert abs(hun.lon - 130.358) < 0.01 and abs(hun.lat - 42.8675) < 0.01


def _copy(tmp_path):
    dst = tmp_path / "registry"
    shutil.copytree(settings.GEODATA_DIR / "registry", dst)
    return dst


def _edit(path, fn):
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc["features"])
    path.write_text(json.dumps(doc), encoding="utf-8")


BROKEN = {
    "invalid-json": ("crossings.geojson", None, r"crossings\.geojson: entry -: invalid JSON"),
    "missing-coordinate": ("parks.geojson", lambda f: f[1]["geometry"].update(coordinates=[130.3]),
                           r"parks\.geojson: entry 'park-epz': missing or invalid coordinate"),
    "unknown-mode": ("crossings.geojson", lambda f: f[0]["properties"].update(modes=["road", "ferry"]),
                     r"crossings\.geojson: entry 'quanhe-wonjong': unknown mode 'ferry'; valid: road, rail"),
    "duplicate-id": ("towns.geojson", lambda f: f[1]["properties"].update(id="town-hunchun"),
                     r"towns\.geojson: entry 'town-hunchun': duplicate id"),
    "unknown-status": ("crossings.geojson", lambda f: f[0]["properties"].update(status="maybe"),
                       r"entry 'quanhe-wonjong': unknown status 'maybe'; valid: open, closed, planned"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_registry_names_file_entry_problem(tmp_path, case):
    fname, fn, pattern = BROKEN[case]
    folder = _copy(tmp_path)
    if fn is None:
        (folder / fname).write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    else:
        _edit(folder / fname, fn)
    with pytest.raises(RegistryError, match=pattern) as info:
        load_registry(folder)
    assert "\n" not in str(info.value)
