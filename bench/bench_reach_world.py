"""Reach on the whole scgraph world highway graph (560k nodes): four methods, one run.

(a) corridor's engine: Engine.from_arrays, one multi-source Dijkstra with a
    cut-off for all parks, every band cut from the same trees;
(b) networkx.single_source_dijkstra_path_length per park, same cut-off;
(c) the OSMnx isochrone recipe: nx.ego_graph per park and band;
(d) raw scipy.sparse.csgraph.dijkstra with the same sources and limit.

Edge times: km at a flat 60 km/h. Prints medians and ratios to (d).
Run: python bench/bench_reach_world.py [--repeat N] [--repeat-slow N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median_time, report  # noqa: E402

from corridor.engine import Engine  # noqa: E402
from corridor.registry import load_registry  # noqa: E402
from corridor.sources.world import load_world_arrays  # noqa: E402

BANDS_H = (2.0, 4.0, 8.0, 12.0, 24.0)
SPEED_KPH = 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--repeat-slow", type=int, default=3)
    args = ap.parse_args()

    t = time.perf_counter()
    lonlat, u, v, km = load_world_arrays("road")
    t_arrays = time.perf_counter() - t
    secs = km / SPEED_KPH * 3600.0
    t = time.perf_counter()
    eng = Engine.from_arrays(len(lonlat), u, v, secs)
    t_engine = time.perf_counter() - t
    print(f"world highway graph: {len(lonlat):,} nodes, {len(u):,} directed edges")
    print(f"load arrays {t_arrays:.2f} s (cache or package) + engine CSR {t_engine:.2f} s = {t_arrays + t_engine:.2f} s")

    parks = load_registry().of_kind("park")
    src = []
    for p in parks:
        d = (lonlat[:, 0] - p["lon"]) ** 2 + (lonlat[:, 1] - p["lat"]) ** 2
        src.append(int(np.argmin(d)))
    limit = max(BANDS_H) * 3600.0
    print(f"{len(parks)} parks x {len(BANDS_H)} bands ({', '.join(f'{b:g}' for b in BANDS_H)} h), cut-off {limit:.0f} s")

    def engine_reach():
        return eng.search(src, limit=limit).within([b * 3600.0 for b in BANDS_H])

    def scipy_raw():
        return dijkstra(eng.csr, directed=True, indices=src, limit=limit)

    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), secs.tolist()), weight="time")

    def nx_sssp():
        return [nx.single_source_dijkstra_path_length(G, s, cutoff=limit, weight="time") for s in src]

    def osmnx_recipe():
        # the OSMnx examples' isochrones: one ego graph per centre and trip time
        return [[nx.ego_graph(G, s, radius=b * 3600.0, distance="time") for b in BANDS_H] for s in src]

    # same answers before timing
    a = engine_reach()
    b = nx_sssp()
    for row, ref in zip(a, b):
        assert set(row[-1].tolist()) == {n for n, d in ref.items() if d <= BANDS_H[-1] * 3600.0}
    rows = [
        ("(a) corridor engine", median_time(engine_reach, args.repeat)),
        ("(b) networkx sssp + cutoff", median_time(nx_sssp, args.repeat_slow)),
        ("(c) osmnx ego_graph recipe", median_time(osmnx_recipe, args.repeat_slow, warmup=0)),
        ("(d) raw scipy dijkstra", median_time(scipy_raw, args.repeat)),
    ]
    report(rows, "(d) raw scipy dijkstra")
    t = dict(rows)
    print(f"engine vs networkx: {t['(b) networkx sssp + cutoff'] / t['(a) corridor engine']:.1f}x faster; "
          f"vs osmnx recipe: {t['(c) osmnx ego_graph recipe'] / t['(a) corridor engine']:.1f}x faster; "
          f"vs raw scipy: {t['(a) corridor engine'] / t['(d) raw scipy dijkstra']:.2f}x its time")


if __name__ == "__main__":
    main()
