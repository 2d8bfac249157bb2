"""Logistics reach (issue 4): multi-band polygons, places reached, bad input, exports."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from corridor import settings as settings_mod
from corridor.errors import InputError
from corridor.reach import reach
from corridor.routes import compare

BANDS = [2, 4, 8, 24, 96]
SEA_OF_JAPAN = shapely.Point(131.5, 41.5)  # open sea, far from any lane the network draws


@pytest.fixture(scope="module")
def two_parks(tumen):
    return reach(tumen, ["park-hbecz", "park-epz"], bands=BANDS)


def test_one_polygon_per_origin_and_band_with_properties(two_parks):
    p = two_parks.polygons
    assert len(p) == 2 * len(BANDS)
    assert {"origin", "hours", "area_km2"} <= set(p.columns)
    assert p.crs == "EPSG:4326"
    assert sorted(map(tuple, p[["origin", "hours"]].values.tolist())) == sorted(
        (o, float(b)) for o in ("park-hbecz", "park-epz") for b in BANDS)
    assert p.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (p.area_km2 > 0).all()
    # the reported area is the polygon's (equal-area) area
    for _, row in p.iterrows():
        ea = gpd.GeoSeries([row.geometry], crs=4326).to_crs("+proj=laea +lat_0=42.9 +lon_0=130.6").area.iloc[0] / 1e6
        assert row.area_km2 == pytest.approx(ea, rel=0.02)


def test_areas_grow_with_the_band_and_bands_nest(two_parks):
    for origin, grp in two_parks.polygons.groupby("origin"):
        grp = grp.sort_values("hours")
        assert grp.area_km2.is_monotonic_increasing
        assert (grp.area_km2.diff().dropna().iloc[:3] > 0).all()  # 2 < 4 < 8 < 24 h strictly
        geoms = grp.geometry.tolist()
        for small, big in zip(geoms, geoms[1:]):
            assert small.difference(big).area <= 0.02 * small.area


def test_polygons_are_not_convex_hulls(two_parks):
    for geom in two_parks.polygons.geometry:
        assert not geom.contains(SEA_OF_JAPAN)
    big = two_parks.polygons.loc[two_parks.polygons.hours == 96].geometry.iloc[0]
    assert big.convex_hull.contains(SEA_OF_JAPAN)  # a hull would swallow it
    assert big.area < 0.5 * big.convex_hull.area


def test_busan_within_its_band_over_sea_and_not_by_road(tumen, two_parks):
    pl = two_parks.places
    busan = pl[(pl.origin == "park-hbecz") & (pl.place == "port-busan")]
    assert len(busan) == 1
    row = busan.iloc[0]
    assert row.kind == "port" and row.country == "KR"
    lower = max([b for b in BANDS if b < row.band], default=0)
    assert lower < row.hours <= row.band == 96
    assert "sea" in row.modes.split(";") and "port-busan" in row.ports.split(";")
    # the same trip as the comparison's best route
    assert row.hours == compare(tumen, "park-hbecz", "port-busan").routes.iloc[0]["hours"]
    # drawn within its band, not in the bands it misses
    p = two_parks.polygons
    pt = shapely.Point(tumen.registry["port-busan"]["lon"], tumen.registry["port-busan"]["lat"])
    hb = p[p.origin == "park-hbecz"].set_index("hours").geometry
    assert hb[96.0].contains(pt) and not hb[24.0].contains(pt)
    road = reach(tumen, ["park-hbecz"], bands=BANDS, modes=("road",))
    assert "port-busan" not in set(road.places.place)
    assert set(road.places.modes) <= {"", "road"}
    assert not any(g.contains(pt) for g in road.polygons.geometry)


def test_places_carry_hours_cost_band_and_crossings(two_parks):
    pl = two_parks.places
    for c in ("origin", "place", "kind", "hours", "cost_usd_t", "band", "modes", "crossings"):
        assert c in pl.columns
    assert (pl.hours <= pl.band).all()
    rajin = pl[(pl.origin == "park-hbecz") & (pl.place == "port-rajin")].iloc[0]
    assert rajin.crossings == "quanhe-wonjong" and rajin.band == 8
    self_row = pl[(pl.origin == "park-hbecz") & (pl.place == "park-hbecz")].iloc[0]
    assert self_row.hours == 0 and self_row.cost_usd_t == 0


def test_cost_metric_with_usd_bands(tumen):
    r = reach(tumen, ["park-hbecz"], bands=[20, 50, 100], metric="cost")
    p = r.polygons.sort_values("cost_usd_t")
    assert list(p.cost_usd_t) == [20.0, 50.0, 100.0] and "hours" not in p.columns
    assert set(p.metric) == {"cost"}
    assert p.area_km2.is_monotonic_increasing and p.area_km2.iloc[0] < p.area_km2.iloc[1]
    assert not any(g.contains(SEA_OF_JAPAN) for g in p.geometry)
    pl = r.places
    assert (pl.cost_usd_t <= pl.band).all()
    busan = pl[pl.place == "port-busan"].iloc[0]
    assert 50 < busan.cost_usd_t <= 100 and busan.band == 100


def test_unknown_origin_lists_valid_ids(tumen):
    with pytest.raises(InputError) as exc:
        reach(tumen, ["park-atlantis"], bands=[2])
    msg = str(exc.value)
    assert "park-atlantis" in msg
    for pid in ("park-hbecz", "park-epz", "town-hunchun"):
        assert pid in msg


@pytest.mark.parametrize("bad", [[-2], [0], ["abc"], [2, -1], [float("nan")], []])
def test_bad_bands_raise_input_error(tumen, bad):
    with pytest.raises(InputError):
        reach(tumen, ["park-hbecz"], bands=bad)


def test_lat_lon_origin_reports_snap(tumen):
    r = reach(tumen, ["42.9,130.5"], bands=[4])
    o = r.origins.iloc[0]
    assert o.origin == "42.9000,130.5000"
    assert 0 < o.snap_m < tumen.settings.max_connector_km * 1000
    assert r.polygons.iloc[0].origin == "42.9000,130.5000"


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_exports_round_trip_with_attribution(tmp_path, two_parks, suffix):
    path = tmp_path / f"reach{suffix}"
    two_parks.to_file(path)
    p = two_parks.polygons
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8")
        assert "OpenStreetMap" in text.split("\n", 1)[0]
        back = pd.read_csv(path, comment="#")
        assert len(back) == len(p) and {"origin", "hours", "area_km2"} <= set(back.columns)
        assert back.area_km2.tolist() == p.area_km2.tolist()
        return
    back = gpd.read_file(path, layer="reach") if suffix == ".gpkg" else gpd.read_file(path)
    assert len(back) == len(p)
    assert back.crs.to_epsg() == 4326
    assert back.origin.tolist() == p.origin.tolist() and back.hours.tolist() == p.hours.tolist()
    assert back.area_km2.tolist() == p.area_km2.tolist()
    for a, b in zip(back.geometry, p.geometry):
        assert a.equals_exact(b, 1e-6) or a.symmetric_difference(b).area < 1e-9
    if suffix == ".geojson":
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["attribution"] == settings_mod.ATTRIBUTION_TEXT and "OpenStreetMap" in doc["attribution"]
    else:
        meta = gpd.read_file(path, layer="metadata")
        assert "OpenStreetMap" in meta.attribution.iloc[0]
        places = gpd.read_file(path, layer="places")
        assert "port-busan" in set(places.place)


def test_unknown_export_type_is_input_error(tmp_path, two_parks):
    with pytest.raises(InputError):
        two_parks.to_file(tmp_path / "reach.shp")
