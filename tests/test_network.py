"""The multimodal network (issue 3), on the embedded snapshot, through the public API.

Border crossings with dwell and gauge changes, scenarios that open and close
them, the graph contract (attributes, OSMnx compatibility), dropped border
edges and synthetic connectors, settings profiles.
"""

from __future__ import annotations

import math

import networkx as nx
import osmnx as ox
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from corridor import settings as settings_mod
from corridor.engine import Engine, edge_data, engine_for
from corridor.errors import NoRouteError
from corridor.network import apply_scenario, build, build_network
from corridor.routes import compare, compare_scenarios, summarize_path
from corridor.scenario import BASELINE, Scenario
from corridor.sources.snapshot import load_snapshot

CONTRACT = ("length", "speed_kph", "travel_time", "mode", "cost_usd_t", "penalty_s", "status", "source", "synthetic")


def crossings_on(edges):
    return [d["crossing_id"] for d in edges if d["mode"] == "crossing"]


def gauge_transfers(edges):
    return [d for d in edges if d["mode"] == "transfer" and d.get("transfer") == "gauge"]


def row_with_crossing(comparison, cid):
    """(row, edges) of the first ranked route that uses crossing ``cid``."""
    for i, row in comparison.routes.iterrows():
        if cid in row["crossings"].split(";"):
            return row, comparison.edges[i]
    raise AssertionError(f"no route via {cid}: {comparison.routes.route.tolist()}")


# --------------------------------------------------------------------------- rail and gauges

def test_rail_rajin_to_vladivostok_uses_khasan_pays_dwell_no_gauge_change(nea):
    c = compare(nea, "port-rajin", "town-vladivostok", modes=("rail",))
    best, edges = c.routes.iloc[0], c.edges[0]
    assert best["modes"] == "rail"
    assert best["km_road"] == 0 and best["km_sea"] == 0
    # passes Tumangang-Khasan, and only it
    assert crossings_on(edges) == ["tumangang-khasan"]
    assert best["crossings"] == "tumangang-khasan"
    assert best["countries"] == "KP;RU"
    # pays its dwell: the crossing edge carries the registry dwell and is in the total
    (xing,) = [d for d in edges if d["mode"] == "crossing"]
    dwell_s = nea.registry["tumangang-khasan"]["dwell_h"] * 3600.0
    assert dwell_s > 0
    assert xing["travel_time"] == dwell_s
    total_s = sum(d["travel_time"] for d in edges)
    assert best["hours"] == round(total_s / 3600.0, 2)
    assert best["hours"] * 3600 > dwell_s
    # and a longer dwell lengthens the trip by exactly the difference
    longer = compare(apply_scenario(nea, Scenario(dwell={"tumangang-khasan": 10})), "port-rajin", "town-vladivostok",
                     modes=("rail",))
    assert crossings_on(longer.edges[0]) == ["tumangang-khasan"]
    assert sum(d["travel_time"] for d in longer.edges[0]) == pytest.approx(total_s + 6 * 3600.0, abs=1e-6)
    # dual gauge reaches Rajin: no change of gauge, 1520 mm all the way
    assert best["gauge_changes"] == 0
    assert gauge_transfers(edges) == []
    assert {d["gauge_mm"] for d in edges if d["mode"] in ("rail", "crossing")} == {1520}


def test_tumen_region_cannot_reach_vladivostok_by_rail(tumen):
    # why the rail tests use northeast-asia: Ussuriysk-Vladivostok leaves the tumen bbox
    with pytest.raises(NoRouteError):
        compare(tumen, "port-rajin", "town-vladivostok", modes=("rail",))


@pytest.mark.parametrize("origin", ["town-hunchun", "park-epz"])
def test_rail_hunchun_to_vladivostok_via_makhalino_one_gauge_change(nea, origin):
    c = compare(nea, origin, "town-vladivostok", modes=("rail",))
    row, edges = row_with_crossing(c, "hunchun-makhalino")
    assert crossings_on(edges) == ["hunchun-makhalino"]
    assert row["gauge_changes"] == 1
    (change,) = gauge_transfers(edges)
    assert change["crossing_id"] == "hunchun-makhalino"
    assert change["travel_time"] == nea.settings.gauge_change_h * 3600.0
    assert change["cost_usd_t"] == nea.settings.gauge_change_usd_t
    # 1435 mm before the change, 1520 mm after it
    at = next(i for i, d in enumerate(edges) if d is change)
    before = {d["gauge_mm"] for d in edges[:at] if d["mode"] in ("rail", "crossing")}
    after = {d["gauge_mm"] for d in edges[at + 1:] if d["mode"] in ("rail", "crossing")}
    assert before == {1435} and after == {1520}
    assert row["hours"] == round(sum(d["travel_time"] for d in edges) / 3600.0, 2)


def test_rail_via_makhalino_when_the_other_rail_crossings_are_closed(nea):
    others = [c["id"] for c in nea.registry.of_kind("crossing")
              if "rail" in c["modes"] and c["id"] != "hunchun-makhalino"]
    assert "tumangang-khasan" in others and "tumen-namyang" in others
    only = apply_scenario(nea, Scenario(close=tuple(others)))
    c = compare(only, "town-hunchun", "town-vladivostok", modes=("rail",))
    assert set(c.routes["crossings"]) == {"hunchun-makhalino"}
    best = c.edges[0]
    assert crossings_on(best) == ["hunchun-makhalino"]
    assert len(gauge_transfers(best)) == 1
    assert c.routes.iloc[0]["gauge_changes"] == 1


# --------------------------------------------------------------------------- road crossings and scenarios

@pytest.mark.parametrize("origin", ["park-hbecz", "town-hunchun"])
def test_road_hunchun_to_rajin_passes_quanhe_and_closing_it_costs_time(tumen, origin):
    base = compare(tumen, origin, "port-rajin", modes=("road",))
    assert crossings_on(base.edges[0]) == ["quanhe-wonjong"]
    assert base.routes.iloc[0]["modes"] == "road"
    closed = Scenario(close=("quanhe-wonjong",))
    table, comps = compare_scenarios(tumen, origin, "port-rajin", [closed], modes=("road",))
    after = comps[1]
    # observed outcome: the trip still exists through another crossing, and it takes longer
    assert len(after.routes) >= 1
    assert all("quanhe-wonjong" not in crossings_on(e) for e in after.edges)
    assert after.routes.iloc[0]["hours"] > base.routes.iloc[0]["hours"]
    lab = closed.label
    old = table.set_index("route").loc[base.routes.iloc[0]["route"]]
    assert old["status"] == "impossible"
    assert old["rank_baseline"] == 1 and pd.isna(old[f"rank_{lab}"]) and pd.isna(old[f"hours_{lab}"])
    new_best = table[table[f"rank_{lab}"] == 1].iloc[0]
    assert new_best["route"] == after.routes.iloc[0]["route"]
    assert new_best["status"] == "changed"
    assert new_best["delta_rank"] < 0
    assert new_best[f"hours_{lab}"] > old["hours_baseline"]


def test_road_trip_becomes_impossible_when_every_cn_kp_road_crossing_closes(tumen):
    cn_kp = tuple(c["id"] for c in tumen.registry.of_kind("crossing")
                  if "road" in c["modes"] and set(c["countries"]) == {"CN", "KP"})
    assert "quanhe-wonjong" in cn_kp and len(cn_kp) >= 3
    sc = Scenario(close=cn_kp)
    with pytest.raises(NoRouteError):
        compare(apply_scenario(tumen, sc), "park-hbecz", "port-rajin", modes=("road",))
    table, comps = compare_scenarios(tumen, "park-hbecz", "port-rajin", [sc], modes=("road",))
    assert len(comps[1].routes) == 0
    assert len(table) == len(comps[0].routes) >= 1
    assert (table["status"] == "impossible").all()


def _china_free(net):
    """Road engine on the network without China: paths that avoid Chinese territory."""
    g = net.graph
    sub = g.subgraph([n for n, d in g.nodes(data=True) if d["country"] != "CN"])
    return Engine(sub, metric="time", modes=("road",))


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_opening_planned_tumangang_khasan_road_bridge_creates_rajin_russia_road(networks, region):
    net = networks[region]
    gate_ru = "gate:tumangang-khasan-road:RU:road"
    statuses = {d["status"] for *_, d in net.graph.edges(data=True)
                if d["mode"] == "crossing" and d["crossing_id"] == "tumangang-khasan-road"}
    assert statuses == {"closed"}  # planned: closed unless a scenario opens it
    opened = apply_scenario(net, Scenario(open=("tumangang-khasan-road",)))

    def russian_reached(n):
        eng = _china_free(n)
        res = eng.search(["port-rajin"])
        return {nd for nd, dv in zip(eng.nodes, res.dist[0])
                if math.isfinite(dv) and n.graph.nodes[nd]["country"] == "RU"}, res

    before, _ = russian_reached(net)
    after, res = russian_reached(opened)
    # before: no road path from Rajin into Russia avoids China; after: there is one, over the bridge
    assert before == set()
    assert gate_ru in after and "port-zarubino" in after
    nodes = res.path_nodes(0, gate_ru)
    assert nodes[-2:] == ["gate:tumangang-khasan-road:KP:road", gate_ru]
    # as a route: port-zarubino by road is impossible in the baseline, direct KP -> RU with the bridge open
    with pytest.raises(NoRouteError):
        compare(net, "port-rajin", "port-zarubino", modes=("road",))
    c = compare(opened, "port-rajin", "port-zarubino", modes=("road",))
    assert crossings_on(c.edges[0]) == ["tumangang-khasan-road"]
    assert c.routes.iloc[0]["countries"] == "KP;RU"


# --------------------------------------------------------------------------- properties over random trips

def _places(net):
    return sorted(n for n, d in net.graph.nodes(data=True) if d["layer"] == "place")


MODE_SETS = st.sets(st.sampled_from(["road", "rail", "sea"]), min_size=1).map(lambda s: tuple(sorted(s)))


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region=st.sampled_from(["tumen", "northeast-asia"]), modes=MODE_SETS, data=st.data())
def test_routes_cross_borders_only_on_crossing_edges_and_totals_are_edge_sums(networks, region, modes, data):
    net = networks[region]
    g = net.graph
    places = _places(net)
    origin = data.draw(st.sampled_from(places), label="origin")
    dest = data.draw(st.sampled_from(places), label="destination")
    eng = engine_for(net, "time", modes)
    if origin not in eng.index or dest not in eng.index:
        return
    res = eng.search([origin])
    pos = res.path_positions(0, dest)
    if pos is None:
        with pytest.raises(NoRouteError):
            compare(net, origin, dest, modes=modes)
        return
    nodes = res.path_nodes(0, dest)
    edges = edge_data(eng, g, pos)
    assert nodes[0] == origin and nodes[-1] == dest and len(nodes) == len(edges) + 1
    for a, b, (u, v, _k), d in zip(nodes, nodes[1:], [eng.edge_keys[p] for p in pos], edges):
        assert (u, v) == (a, b)
        assert d["status"] == "open"
        ca, cb = g.nodes[a]["country"], g.nodes[b]["country"]
        if ca != cb:
            # land edges change country only at a registry crossing; sea lanes join two ports' sea nodes
            if d["mode"] == "sea":
                assert g.nodes[a]["layer"] == g.nodes[b]["layer"] == "sea"
            else:
                assert d["mode"] == "crossing", (a, b, d["mode"])
                assert set(net.registry[d["crossing_id"]]["countries"]) == {ca, cb}
    # reported time and cost are the plain sums over the edges (penalties never count)
    summ = summarize_path(net, nodes, edges)
    tsum = sum(d["travel_time"] for d in edges)
    csum = sum(d["cost_usd_t"] for d in edges)
    assert summ["hours"] * 3600.0 == pytest.approx(tsum, rel=1e-12, abs=1e-9)
    assert summ["cost_usd_t"] == csum
    assert res.time_s(0, dest) == pytest.approx(tsum, rel=1e-12, abs=1e-9)
    assert res.cost(0, dest) == pytest.approx(csum, rel=1e-12, abs=1e-9)
    # the comparison table's rows are the same sums, rounded for display
    c = compare(net, origin, dest, modes=modes)
    for (_, row), es in zip(c.routes.iterrows(), c.edges):
        assert row["hours"] == round(sum(d["travel_time"] for d in es) / 3600.0, 2)
        assert row["cost_usd_t"] == round(sum(d["cost_usd_t"] for d in es), 2)
        assert row["km_road"] + row["km_rail"] + row["km_sea"] + row["synthetic_km"] == pytest.approx(
            sum(d["length"] for d in es) / 1000.0, abs=0.05)
    assert c.routes.iloc[0]["hours"] == round(tsum / 3600.0, 2)


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_no_edge_joins_two_countries_except_crossings_and_sea_lanes(networks, region):
    g = networks[region].graph
    bad = [(u, v, d["mode"]) for u, v, d in g.edges(data=True)
           if g.nodes[u]["country"] != g.nodes[v]["country"] and d["mode"] not in ("crossing", "sea")]
    assert bad == []
    sea = [(u, v) for u, v, d in g.edges(data=True) if d["mode"] == "sea"]
    assert sea and all(g.nodes[u]["layer"] == g.nodes[v]["layer"] == "sea" for u, v in sea)


def test_penalties_steer_but_never_count(tumen):
    c = compare(tumen, "park-hbecz", "port-rajin", modes=("road",))
    edges = c.edges[0]
    assert sum(d["penalty_s"] for d in edges) == tumen.settings.crossing_penalty_s > 0
    assert c.routes.iloc[0]["hours"] == round(sum(d["travel_time"] for d in edges) / 3600.0, 2)


# --------------------------------------------------------------------------- scenarios leave the base alone

def _snapshot(g):
    return ({n: dict(d) for n, d in g.nodes(data=True)},
            {(u, v, k): dict(d) for u, v, k, d in g.edges(keys=True, data=True)},
            dict(g.graph))


def test_applying_a_scenario_never_changes_the_base_graph(tumen):
    before = _snapshot(tumen.graph)
    sc = Scenario(close=("quanhe-wonjong", "port-posyet"), open=("tumangang-khasan-road",),
                  dwell={"changlingzi-kraskino": 30}, fee={"hunchun-makhalino": 99},
                  speed_factor={"road": 0.5, "rail": 2.0, "sea": 0.7}, month=1)
    out = apply_scenario(tumen, sc)
    assert _snapshot(tumen.graph) == before
    assert tumen.scenario is BASELINE and out.scenario is sc
    assert out.graph is not tumen.graph
    # and the scenario did change its own copy (so the check above could fail)
    changed = _snapshot(out.graph)[1]
    assert changed != before[1]
    xs = {d["status"] for k, d in changed.items() if d["mode"] == "crossing" and d["crossing_id"] == "quanhe-wonjong"}
    assert xs == {"closed"}
    kr = [d for d in changed.values() if d["mode"] == "crossing" and d["crossing_id"] == "changlingzi-kraskino"]
    assert kr and all(d["travel_time"] == 30 * 3600.0 for d in kr)
    slav = {d["status"] for d in changed.values() if d.get("transfer") == "port" and d["port_id"] == "port-slavyanka"}
    assert slav == {"closed"}  # iced in January
    k = next(k for k, d in before[1].items() if d["mode"] == "road" and d["length"] > 0)
    assert changed[k]["speed_kph"] == pytest.approx(before[1][k]["speed_kph"] * 0.5)
    assert changed[k]["travel_time"] == pytest.approx(before[1][k]["travel_time"] * 2)
    # and routes on the base network are what they were
    assert crossings_on(compare(tumen, "park-hbecz", "port-rajin", modes=("road",)).edges[0]) == ["quanhe-wonjong"]


# --------------------------------------------------------------------------- dropped border edges, connectors

def _source_ids(node):
    """Source network id of a road/rail node (``road:<id>``, ``rail:<gauge>:<id>``)."""
    parts = str(node).split(":")
    if parts[0] == "road":
        return "road", parts[1]
    if parts[0] == "rail":
        return "rail", parts[2]
    return None, None


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_dropped_border_edges_are_reported_and_gone(networks, region):
    net = networks[region]
    rep = net.report
    dropped = rep["dropped_border_edges"]
    assert rep["dropped_count"] == len(dropped) > 0
    for r in dropped:
        assert r["countries"].split("-")[0] != r["countries"].split("-")[1]
        assert r["km"] > 0 and r["mode"] in ("road", "rail")
    gone = {(r["mode"], frozenset((str(r["u"]), str(r["v"])))) for r in dropped}
    present = set()
    for u, v, d in net.graph.edges(data=True):
        mu, iu = _source_ids(u)
        mv, iv = _source_ids(v)
        if mu and mu == mv:
            present.add((mu, frozenset((iu, iv))))
    assert gone.isdisjoint(present)


def test_tumen_reports_dropped_border_edges(tumen):
    assert tumen.report["dropped_count"] > 0


@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_connectors_are_synthetic_and_their_lengths_reported(networks, region):
    net = networks[region]
    g = net.graph
    reported = net.report["connectors"]
    assert reported
    index = {}
    for r in reported:
        index.setdefault((r["from"], _source_ids(r["to"])[1] or r["to"]), set()).add(r["km"])
    conn = [(u, v, d) for u, v, d in g.edges(data=True) if d["mode"] == "connector"]
    assert conn
    for u, v, d in conn:
        assert d["synthetic"] is True
        assert d["length"] >= 0
        assert d["travel_time"] == pytest.approx(d["length"] / 1000.0 / d["speed_kph"] * 3600.0)
        # one end is a registry point (a place, or a crossing's gate), the other a network node
        ends = []
        for a, b in ((u, v), (v, u)):
            pid = g.nodes[a].get("crossing_id") if str(a).startswith("gate:") else a
            if pid in net.registry:
                ends.append((pid, _source_ids(b)[1] or b))
        assert any(round(d["length"] / 1000.0, 2) in index.get(e, ()) for e in ends), (u, v)
    assert net.report["synthetic_km"] == pytest.approx(sum(r["km"] for r in reported), abs=0.05)
    # synthetic rail-terminal transfers are reported too
    for u, v, d in g.edges(data=True):
        if d.get("transfer") == "rail-terminal":
            assert d["synthetic"] == (d["length"] > 0)
            pid = u if u in net.registry else v
            other = v if pid == u else u
            assert round(d["length"] / 1000.0, 2) in index[(pid, _source_ids(other)[1])]


# --------------------------------------------------------------------------- the graph contract

@pytest.mark.parametrize("region", ["tumen", "northeast-asia"])
def test_graph_contract(networks, region):
    g = networks[region].graph
    assert isinstance(g, nx.MultiDiGraph)
    assert g.graph["crs"] == "EPSG:4326"
    for n, d in g.nodes(data=True):
        assert -180 <= d["x"] <= 180 and -90 <= d["y"] <= 90, n
        assert d["country"] in settings_mod.COUNTRIES, (n, d["country"])
    modes = set()
    for u, v, d in g.edges(data=True):
        missing = [a for a in CONTRACT if a not in d]
        assert not missing, (u, v, missing)
        modes.add(d["mode"])
        assert d["mode"] in settings_mod.EDGE_MODES
        assert d["status"] in ("open", "closed", "planned")
        assert isinstance(d["synthetic"], bool)
        assert d["length"] >= 0 and d["travel_time"] >= 0 and d["cost_usd_t"] >= 0 and d["penalty_s"] >= 0
        assert d["source"] in ("osm", "snapshot", "searoute", "registry")
        if d["mode"] in ("road", "rail", "sea", "connector"):
            assert d["speed_kph"] > 0
            assert d["travel_time"] == pytest.approx(d["length"] / 1000.0 / d["speed_kph"] * 3600.0)
        if d["mode"] == "rail":
            assert d["gauge_mm"] in (1435, 1520, 1067)
        if d["mode"] == "crossing":
            assert d["crossing_id"] in networks[region].registry.ids("crossing")
            assert d["penalty_s"] == networks[region].settings.crossing_penalty_s
    assert modes == set(settings_mod.EDGE_MODES)


def test_graph_works_with_osmnx(tumen):
    g = tumen.graph
    nodes, edges = ox.graph_to_gdfs(g)
    assert len(nodes) == g.number_of_nodes() and len(edges) == g.number_of_edges()
    assert nodes.crs == edges.crs == "EPSG:4326"
    assert {"length", "speed_kph", "travel_time", "mode", "cost_usd_t"} <= set(edges.columns)
    assert edges.geometry.notna().all()
    # OSMnx routing on the open road layer agrees with the engine
    keep = [(u, v, k) for u, v, k, d in g.edges(keys=True, data=True)
            if d["status"] == "open" and {g.nodes[u]["layer"], g.nodes[v]["layer"]} <= {"road", "place"}]
    sub = g.edge_subgraph(keep)
    (route,) = ox.routing.shortest_path(sub, ["park-hbecz"], ["town-yanji"], weight="travel_time", cpus=1)
    assert route[0] == "park-hbecz" and route[-1] == "town-yanji"
    gdf = ox.routing.route_to_gdf(sub, route, weight="travel_time")
    eng = engine_for(tumen, "time", ("road",))
    assert gdf["travel_time"].sum() == pytest.approx(eng.search(["park-hbecz"]).time_s(0, "town-yanji"), rel=1e-9)
    dg = ox.convert.to_digraph(sub, weight="travel_time")
    assert dg.number_of_nodes() == sub.number_of_nodes()


# --------------------------------------------------------------------------- settings profiles

def test_toml_profile_overrides_edge_speeds(tmp_path, tumen):
    prof = tmp_path / "profile.toml"
    prof.write_text("sea_speed_knots = 10\n[road_speed_kph]\nKP = 20.0\n[rail_speed_kph]\nRU = 30.0\n",
                    encoding="utf-8")
    s = settings_mod.load_profile(prof)
    assert s.road_speed_kph["KP"] == 20.0 and s.road_speed_kph["CN"] == settings_mod.DEFAULTS.road_speed_kph["CN"]
    net = build(load_snapshot("tumen"), s=s)
    g0, g1 = tumen.graph, net.graph
    assert net.settings is s
    n_kp = n_ru = n_sea = 0
    for u, v, k, d in g1.edges(keys=True, data=True):
        d0 = g0.edges[u, v, k]
        c = g1.nodes[u]["country"]
        if d["mode"] == "road" and c == "KP" and "maxspeed" not in d:
            assert d0["speed_kph"] == settings_mod.DEFAULTS.road_speed_kph["KP"]
            assert d["speed_kph"] == 20.0
            n_kp += 1
        elif d["mode"] == "road" and c == "CN":
            assert d["speed_kph"] == d0["speed_kph"]
        elif d["mode"] == "rail" and c == "RU":
            assert d["speed_kph"] == 30.0 and d0["speed_kph"] == 40.9
            assert d["travel_time"] == pytest.approx(d0["travel_time"] * 40.9 / 30.0)
            n_ru += 1
        elif d["mode"] == "sea":
            assert d["speed_kph"] == pytest.approx(10 * 1.852)
            n_sea += 1
    assert n_kp and n_ru and n_sea
    # routes feel it: road to Rajin is slower on slower DPRK roads
    slow = compare(net, "park-hbecz", "port-rajin", modes=("road",)).routes.iloc[0]["hours"]
    assert slow > compare(tumen, "park-hbecz", "port-rajin", modes=("road",)).routes.iloc[0]["hours"]


def test_build_network_with_profile_is_cached_per_settings(tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text("[road_speed_kph]\nKP = 21.0\n", encoding="utf-8")
    s = settings_mod.load_profile(prof)
    a = build_network("tumen", source="snapshot", s=s)
    assert a is build_network("tumen", source="snapshot", s=s)
    assert a is not build_network("tumen", source="snapshot")
    assert 21.0 in {d["speed_kph"] for *_, d in a.graph.edges(data=True) if d["mode"] == "road"}


def test_transshipment_where_dual_gauge_ends(tumen):
    """With Makhalino closed, Tumen -> Ussuriysk by rail goes through the DPRK:
    standard gauge to the end of the Khasan-Rajin dual-gauge line, one
    transshipment there, Russian gauge over Tumangang-Khasan."""
    closed = apply_scenario(tumen, Scenario(close=("hunchun-makhalino",)))
    c = compare(closed, "town-tumen", "town-ussuriysk", modes=("rail",))
    best = c.routes.iloc[0]
    assert best["crossings"] == "tumen-namyang;tumangang-khasan"
    assert best["gauge_changes"] == 1 and best["countries"] == "CN;KP;RU"
    gauges = [e["gauge_mm"] for e in c.edges[0] if e["mode"] == "rail"]
    assert gauges[0] == 1435 and gauges[-1] == 1520


def test_generalised_border_nodes_are_fixed_and_reported(tumen):
    fixed = tumen.report["country_fixed"]
    assert fixed and all(f["km_to_border"] <= tumen.settings.border_tolerance_km for f in fixed)
    g = tumen.graph
    for f in fixed:
        for gauge in (1435, 1520):
            nid = f"rail:{gauge}:{f['node']}" if f["mode"] == "rail" else f"road:{f['node']}"
            if nid in g:
                assert g.nodes[nid]["country"] == f["to"]
