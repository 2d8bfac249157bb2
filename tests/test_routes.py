"""Route comparison (issue 5): alternatives by crossing and port, scenarios, totals, no-route."""

from __future__ import annotations

import pandas as pd
import pytest

from corridor.errors import InputError, NoRouteError
from corridor.network import apply_scenario
from corridor.routes import COLUMNS, compare, compare_scenarios
from corridor.scenario import Scenario

PARKS = ["park-hbecz", "park-epz"]


@pytest.fixture(scope="module")
def to_busan(networks):
    return {(r, p): compare(networks[r], p, "port-busan") for r in networks for p in PARKS}


def _via(row):
    """The corridor a route takes: crossings, ports (excluding the destination) and modes.

    The issue asks for the best route through each crossing *and mode*: Tumen-Namyang
    by road and by rail are two corridors.
    """
    return (row["crossings"], tuple(p for p in row["ports"].split(";") if p != "port-busan"), row["modes"])


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
@pytest.mark.parametrize("park", PARKS)
def test_park_to_busan_three_routes_through_different_crossings_or_ports(to_busan, region, park):
    c = to_busan[(region, park)]
    r = c.routes
    assert len(r) >= 3
    assert list(r.columns[:len(COLUMNS)]) == COLUMNS
    assert not r[COLUMNS].isna().any().any()
    assert (r[COLUMNS].astype(str) != "nan").all().all()
    assert list(r["rank"]) == list(range(1, len(r) + 1))
    assert r["hours"].is_monotonic_increasing  # ranked by time
    assert r["route"].is_unique
    vias = {_via(row) for _, row in r.iterrows()}
    assert len(vias) == len(r)
    assert len({row["crossings"] for _, row in r.iterrows()}) >= 3 or len({row["ports"] for _, row in r.iterrows()}) >= 3
    for _, row in r.iterrows():
        assert row["ports"].split(";")[-1] == "port-busan"
        assert row["countries"].split(";")[0] == "CN" and row["countries"].split(";")[-1] == "KR"
        assert row["km_sea"] > 0 and row["hours"] > 0 and row["cost_usd_t"] > 0
        assert row.geometry.geom_type == "LineString" and row.geometry.length > 0
        assert row["source"] == "snapshot" and row["scenario"] == "baseline"


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_per_route_totals_equal_sums_over_its_edges(to_busan, region):
    for park in PARKS:
        c = to_busan[(region, park)]
        assert len(c.edges) == len(c.routes)
        for (_, row), edges in zip(c.routes.iterrows(), c.edges):
            assert row["hours"] == round(sum(d["travel_time"] for d in edges) / 3600.0, 2)
            assert row["cost_usd_t"] == round(sum(d["cost_usd_t"] for d in edges), 2)
            km = {m: sum(d["length"] for d in edges if d["mode"] == m and not d["synthetic"]) / 1000 for m in ("road", "rail", "sea")}
            for m in ("road", "rail", "sea"):
                assert row[f"km_{m}"] == pytest.approx(km[m] + sum(
                    d["length"] for d in edges if d["mode"] == "crossing" and d["crossing_mode"] == m) / 1000, abs=0.01)
            assert row["synthetic_km"] == round(sum(d["length"] for d in edges if d["synthetic"]) / 1000.0, 2)
            used = list(dict.fromkeys(d["crossing_id"] for d in edges if d["mode"] == "crossing"))
            assert (row["crossings"].split(";") if row["crossings"] else []) == used
            assert row["transfers"] == sum(1 for d in edges if d["mode"] == "transfer")
            assert row["gauge_changes"] >= sum(1 for d in edges if d.get("transfer") == "gauge")
            assert all(d["status"] == "open" for d in edges)
            # penalties steer, never count
            assert sum(d["penalty_s"] for d in edges) > 0


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_closing_the_best_routes_crossing_changes_the_ranking(networks, to_busan, region):
    net = networks[region]
    base = to_busan[(region, "park-hbecz")]
    best = base.routes.iloc[0]
    used = [d["crossing_id"] for d in base.edges[0] if d["mode"] == "crossing"]
    assert used and best["crossings"].split(";") == used
    sc = Scenario(close=(used[0],))
    table, comps = compare_scenarios(net, "park-hbecz", "port-busan", [sc])
    after = comps[1]
    assert after.network.scenario is sc
    assert all(used[0] not in [d.get("crossing_id") for d in e] for e in after.edges)
    assert after.routes.iloc[0]["route"] != best["route"]
    assert after.routes.iloc[0]["hours"] >= best["hours"]
    lab = sc.label
    t = table.set_index("route")
    assert t.loc[best["route"], "status"] == "impossible"
    assert pd.isna(t.loc[best["route"], f"rank_{lab}"])
    new1 = t[t[f"rank_{lab}"] == 1]
    assert len(new1) == 1 and new1.index[0] == after.routes.iloc[0]["route"]
    assert new1["status"].iloc[0] in ("changed", "new")
    # table is sorted by the scenario's ranking, impossible routes last
    assert table.iloc[0]["route"] == after.routes.iloc[0]["route"]
    assert table.iloc[-1]["status"] == "impossible"
    # every route of both sides is in the table
    assert set(base.routes.route) | set(after.routes.route) == set(table.route)


def test_unreachable_destination_raises_no_route_error(tumen):
    with pytest.raises(NoRouteError, match="no route"):
        compare(tumen, "park-hbecz", "port-busan", modes=("road",))
    kp_land = tuple(c["id"] for c in tumen.registry.of_kind("crossing") if "KP" in c["countries"])
    closed = apply_scenario(tumen, Scenario(close=kp_land + ("port-rajin", "port-chongjin")))
    with pytest.raises(NoRouteError):
        compare(closed, "park-hbecz", "town-najin")
    # but the same trip is possible without the scenario
    assert len(compare(tumen, "park-hbecz", "town-najin").routes) >= 1


def test_no_route_error_is_an_input_error(tumen):
    # the command line maps InputError to exit code 2
    with pytest.raises(InputError):
        compare(tumen, "park-hbecz", "port-busan", modes=("road",))


def test_lat_lon_origin_works_and_reports_snap(tumen, to_busan):
    c = compare(tumen, "42.9,130.5", "port-busan")
    assert c.origin == "42.9000,130.5000"
    assert 0 < c.snap_m["origin"] < tumen.settings.max_connector_km * 1000
    assert c.snap_m["destination"] == 0
    assert len(c.routes) >= 3
    assert not c.routes[COLUMNS].isna().any().any()
    by_id = compare(tumen, "park-hbecz", "port-busan")
    assert by_id.snap_m == {"origin": 0.0, "destination": 0.0}
    # a point on top of a park routes like the park, give or take its connector
    on_park = compare(tumen, f"{tumen.registry['park-hbecz']['lat']},{tumen.registry['park-hbecz']['lon']}",
                      "port-busan")
    assert on_park.routes.iloc[0]["crossings"] == by_id.routes.iloc[0]["crossings"]
    assert abs(on_park.routes.iloc[0]["hours"] - by_id.routes.iloc[0]["hours"]) < 0.5


def test_bad_places_and_alternatives_raise_input_error(tumen):
    with pytest.raises(InputError, match="park-hbecz"):
        compare(tumen, "park-nowhere", "port-busan")
    with pytest.raises(InputError):
        compare(tumen, "park-hbecz", "port-busan", alternatives=0)
    with pytest.raises(InputError):
        compare(tumen, "95,130", "port-busan")
    with pytest.raises(InputError):
        compare(tumen, "10.0,10.0", "port-busan")  # far outside the region


def test_alternatives_limits_the_number_of_routes(tumen):
    assert len(compare(tumen, "park-hbecz", "port-busan", alternatives=2).routes) == 2
    one = compare(tumen, "park-hbecz", "port-busan", alternatives=1).routes
    assert len(one) == 1 and one.iloc[0]["forced_via"] == "best"


def test_comparison_exports(tmp_path, to_busan):
    c = to_busan[("tumen", "park-hbecz")]
    c.to_file(tmp_path / "r.csv")
    back = pd.read_csv(tmp_path / "r.csv", comment="#")
    assert list(back.columns) == COLUMNS
    assert back["hours"].tolist() == c.routes["hours"].tolist()
    assert "OpenStreetMap" in (tmp_path / "r.csv").read_text(encoding="utf-8").split("\n", 1)[0]
