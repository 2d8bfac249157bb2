"""The routing engine (issue 4): CSR Dijkstra against NetworkX, cut-offs, paths, totals."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from corridor.engine import ALL_MODES, Engine, edge_data, engine_for
from corridor.errors import InputError

TOL = dict(rel=1e-12, abs=1e-9)  # same sums, perhaps in another order


def reference_graph(net, modes, metric="time"):
    """The NetworkX reference: open edges among allowed layers, lightest parallel edge, same weights."""
    g = net.graph
    layers = set(modes) | {"place"}
    per_h = net.settings.penalty_usd_t_per_h / 3600.0
    ref = nx.DiGraph()
    ref.add_nodes_from(n for n, d in g.nodes(data=True) if d["layer"] in layers)
    for u, v, d in g.edges(data=True):
        if d["status"] != "open" or u not in ref or v not in ref:
            continue
        w = d["travel_time"] + d["penalty_s"] if metric == "time" else d["cost_usd_t"] + d["penalty_s"] * per_h
        if not ref.has_edge(u, v) or w < ref[u][v]["weight"]:
            ref.add_edge(u, v, weight=w)
    return ref


def assert_same_distances(eng, row_dist, expected):
    reached = {eng.nodes[i]: float(x) for i, x in enumerate(row_dist) if np.isfinite(x)}
    assert set(reached) == set(expected)
    for n, dv in expected.items():
        assert reached[n] == pytest.approx(dv, **TOL), n


SOURCES = ["park-hbecz", "port-rajin", "town-vladivostok", "town-yanji", "port-busan"]


@pytest.mark.parametrize("modes", [ALL_MODES, ("road",), ("rail",), ("road", "rail")])
@pytest.mark.parametrize("metric", ["time", "cost"])
def test_engine_equals_networkx_dijkstra_on_tumen(tumen, modes, metric):
    eng = engine_for(tumen, metric, modes)
    ref = reference_graph(tumen, modes, metric)
    assert set(eng.nodes) == set(ref.nodes)
    srcs = [s for s in SOURCES if s in eng.index]
    res = eng.search(srcs)
    for row, s in enumerate(srcs):
        expected = nx.single_source_dijkstra_path_length(ref, s, weight="weight")
        assert_same_distances(eng, res.dist[row], expected)


@pytest.mark.parametrize("hours", [0.5, 3.0, 10.0, 40.0])
def test_engine_cutoff_equals_networkx_cutoff(tumen, hours):
    eng = engine_for(tumen, "time", ALL_MODES)
    ref = reference_graph(tumen, ALL_MODES)
    res = eng.search(["park-hbecz", "port-rajin"], limit_s=hours * 3600)
    for row, s in enumerate(["park-hbecz", "port-rajin"]):
        expected = nx.single_source_dijkstra_path_length(ref, s, cutoff=hours * 3600, weight="weight")
        assert_same_distances(eng, res.dist[row], expected)
    # a cut-off prunes: not everything reachable is reached
    assert np.isfinite(res.dist).sum() < np.isfinite(eng.search(["park-hbecz", "port-rajin"]).dist).sum()


def test_engine_reverse_search_equals_networkx_on_reversed_graph(tumen):
    eng = engine_for(tumen, "time", ALL_MODES)
    ref = reference_graph(tumen, ALL_MODES).reverse()
    res = eng.search(["port-busan"], reverse=True)
    assert_same_distances(eng, res.dist[0], nx.single_source_dijkstra_path_length(ref, "port-busan", weight="weight"))
    nodes = res.path_nodes(0, "park-hbecz")
    assert nodes[0] == "park-hbecz" and nodes[-1] == "port-busan"


def test_multi_source_min_only_equals_networkx_multi_source(tumen):
    eng = engine_for(tumen, "time", ALL_MODES)
    ref = reference_graph(tumen, ALL_MODES)
    parks = tumen.registry.ids("park")
    res = eng.search(parks, min_only=True, limit_s=12 * 3600)
    assert res.dist.shape == (1, eng.n)
    expected = nx.multi_source_dijkstra_path_length(ref, set(parks), cutoff=12 * 3600, weight="weight")
    assert_same_distances(eng, res.dist[0], expected)
    per = eng.search(parks, limit_s=12 * 3600).dist
    assert np.allclose(np.where(np.isfinite(res.dist[0]), res.dist[0], -1),
                       np.where(np.isfinite(per.min(0)), per.min(0), -1))
    # the nearest source is reported, and it is one whose own row has that distance
    reached = np.flatnonzero(np.isfinite(res.dist[0]))
    src_idx = [eng.idx(p) for p in parks]
    for i in reached[:: max(1, len(reached) // 50)]:
        o = int(res.origin[i])
        assert o in src_idx
        assert per[src_idx.index(o), i] == pytest.approx(res.dist[0, i])


def test_path_recovery_gives_consecutive_open_edges(tumen):
    g = tumen.graph
    eng = engine_for(tumen, "time", ALL_MODES)
    res = eng.search(["park-hbecz"])
    targets = ["port-busan", "port-rajin", "town-kraskino", "town-hoeryong", "port-zarubino", "park-hbecz"]
    for t in targets:
        pos = res.path_positions(0, t)
        nodes = res.path_nodes(0, t)
        assert nodes[0] == "park-hbecz" and nodes[-1] == t
        assert len(nodes) == len(pos) + 1 and len(set(nodes)) == len(nodes)
        keys = [eng.edge_keys[p] for p in pos]
        for (u, v, k), a, b in zip(keys, nodes, nodes[1:]):
            assert (u, v) == (a, b) and g.has_edge(u, v, k)
            assert g.edges[u, v, k]["status"] == "open"
        # the path's search weight is the distance found
        assert float(eng.w[pos].sum()) == pytest.approx(res.dist[0, eng.idx(t)], rel=1e-12)
        data = edge_data(eng, g, pos)
        assert res.time_s(0, t) == pytest.approx(sum(d["travel_time"] for d in data), rel=1e-12)
        assert res.cost(0, t) == pytest.approx(sum(d["cost_usd_t"] for d in data), rel=1e-12)
    assert res.path_positions(0, "park-hbecz") == []


def test_closed_edges_are_not_used(tumen):
    eng = engine_for(tumen, "time", ALL_MODES)
    g = tumen.graph
    closed = {(u, v, k) for u, v, k, d in g.edges(keys=True, data=True) if d["status"] != "open"}
    assert closed  # the planned Tumangang-Khasan road bridge
    assert closed.isdisjoint(eng.edge_keys)


def test_totals_equal_per_path_sums_without_penalties(tumen):
    g = tumen.graph
    for metric in ("time", "cost"):
        eng = engine_for(tumen, metric, ALL_MODES)
        res = eng.search(["park-hbecz", "port-rajin"], limit=(60 * 3600 if metric == "time" else 80))
        T, C = res.totals()
        assert T.shape == C.shape == res.dist.shape
        assert (np.isfinite(T) == np.isfinite(res.dist)).all()
        penalised = 0
        for row in range(2):
            for i in np.flatnonzero(np.isfinite(res.dist[row])):
                pos = res.path_positions(row, eng.nodes[i])
                data = edge_data(eng, g, pos)
                assert T[row, i] == pytest.approx(sum(d["travel_time"] for d in data), rel=1e-9, abs=1e-9)
                assert C[row, i] == pytest.approx(sum(d["cost_usd_t"] for d in data), rel=1e-9, abs=1e-9)
                pen = sum(d["penalty_s"] for d in data)
                if metric == "time":
                    # the search distance carries the penalties, the totals do not
                    assert res.dist[row, i] == pytest.approx(T[row, i] + pen, rel=1e-9, abs=1e-6)
                penalised += pen > 0
        assert penalised > 0


def test_unknown_nodes_modes_and_metrics_raise_input_error(tumen):
    with pytest.raises(InputError, match="valid"):
        Engine(tumen.graph, modes=("hovercraft",))
    with pytest.raises(InputError, match="valid"):
        Engine(tumen.graph, metric="beauty")
    road = engine_for(tumen, "time", ("road",))
    with pytest.raises(InputError, match="not in the network"):
        road.search(["no-such-node"])
    with pytest.raises(InputError, match="not in the network"):
        road.search(["sea:port-busan"])  # sea nodes are not part of a road-only engine
    # a place is, but overseas ports cannot be reached without sea
    assert road.search(["park-hbecz"]).time_s(0, "port-busan") == math.inf


def test_engines_are_cached_per_graph_metric_and_modes(tumen):
    a = engine_for(tumen, "time", ("road", "rail"))
    assert engine_for(tumen, "time", ("rail", "road")) is a
    assert engine_for(tumen, "cost", ("road", "rail")) is not a


# --------------------------------------------------------------------------- random graphs

@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 80))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.one_of(st.just(0.0), st.integers(1, 20).map(float),
                                st.floats(0.01, 100.0, allow_nan=False, allow_infinity=False)),
                      min_size=m, max_size=m))
    return n, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(w, dtype=float)


@hsettings(max_examples=50, deadline=None)
@given(graph=random_graphs(), data=st.data())
def test_engine_equals_networkx_on_random_graphs(graph, data):
    n, u, v, w = graph
    eng = Engine.from_arrays(n, u, v, w)
    ref = nx.MultiDiGraph()  # parallel edges and self-loops: NetworkX takes the lightest
    ref.add_nodes_from(range(n))
    ref.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()))
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True), label="sources")
    cutoff = data.draw(st.one_of(st.none(), st.integers(0, 60).map(float), st.floats(0, 80)), label="cutoff")
    res = eng.search(sources, limit=np.inf if cutoff is None else cutoff)
    for row, s in enumerate(sources):
        expected = nx.single_source_dijkstra_path_length(ref, s, cutoff=cutoff, weight="weight")
        got = {i: float(x) for i, x in enumerate(res.dist[row]) if np.isfinite(x)}
        assert set(got) == set(expected)
        for i, dv in expected.items():
            assert got[i] == pytest.approx(dv, rel=1e-12, abs=1e-12)
            # paths are chains of existing edges whose weights add up to the distance
            pos = res.path_positions(row, i)
            nodes = res.path_nodes(row, i)
            assert nodes[0] == s and nodes[-1] == i
            for p, a, b in zip(pos, nodes, nodes[1:]):
                assert ref.has_edge(a, b)
                assert eng.w[p] == min(d["weight"] for d in ref[a][b].values())
            assert float(sum(eng.w[p] for p in pos)) == pytest.approx(dv, rel=1e-12, abs=1e-12)
        T, _ = res.totals()
        for i in got:
            assert T[row, i] == pytest.approx(res.time_s(row, i), rel=1e-12, abs=1e-12)
            assert T[row, i] == pytest.approx(got[i], rel=1e-12, abs=1e-12)  # time == weight here
    # several sources at once: the nearest one wins
    multi = eng.search(sources, limit=np.inf if cutoff is None else cutoff, min_only=True)
    expected = nx.multi_source_dijkstra_path_length(ref, set(sources), cutoff=cutoff, weight="weight")
    got = {i: float(x) for i, x in enumerate(multi.dist[0]) if np.isfinite(x)}
    assert set(got) == set(expected)
    for i, dv in expected.items():
        assert got[i] == pytest.approx(dv, rel=1e-12, abs=1e-12)
        assert int(multi.origin[i]) in sources
        assert math.isclose(res.dist[sources.index(int(multi.origin[i])), i], dv, rel_tol=1e-12, abs_tol=1e-12)
