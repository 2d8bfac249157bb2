"""A full route comparison for one pair on the northeast-asia snapshot.

Baseline, measured in the same run: one networkx Dijkstra (origin to
destination) on the same graph. The comparison does two compiled searches
and assembles every crossing's and port's forced route.
Run: python bench/bench_compare.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median_time, report  # noqa: E402

from corridor.engine import _CACHE  # noqa: E402
from corridor.network import apply_scenario, build_network  # noqa: E402
from corridor.routes import compare  # noqa: E402
from corridor.scenario import Scenario  # noqa: E402

PAIRS = [("park-hbecz", "port-busan"), ("park-epz", "town-vladivostok")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    net = build_network("northeast-asia")
    g = net.graph
    open_g = nx.DiGraph()
    for u, v, d in g.edges(data=True):
        if d["status"] == "open":
            w = d["travel_time"] + d["penalty_s"]
            if not open_g.has_edge(u, v) or open_g[u][v]["w"] > w:
                open_g.add_edge(u, v, w=w)
    for o, dst in PAIRS:
        def cold():
            _CACHE.pop(g, None)  # engine arrays rebuilt: the first query after loading
            return compare(net, o, dst)

        rows = [
            ("networkx dijkstra o->d (baseline)", median_time(lambda: nx.dijkstra_path_length(open_g, o, dst, weight="w"), args.repeat)),
            ("compare, engine cached", median_time(lambda: compare(net, o, dst), args.repeat)),
            ("compare, engine rebuilt", median_time(cold, args.repeat)),
            ("compare, new scenario (copy + engine)", median_time(
                lambda: compare(apply_scenario(net, Scenario(close=("quanhe-wonjong",))), o, dst), args.repeat)),
        ]
        n = len(compare(net, o, dst).routes)
        print(f"\n{o} -> {dst} on northeast-asia ({g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges), {n} routes")
        report(rows, "networkx dijkstra o->d (baseline)")


if __name__ == "__main__":
    main()
