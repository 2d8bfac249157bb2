"""``corridor demo``: the whole workflow, offline, on the embedded snapshot.

Builds the network, maps it, computes reach from the Border Economic
Cooperation Zone, compares routes to Busan with and without the best
route's crossing, and writes maps and tables into ``outputs/``, each saying
which data it came from.

Examples
--------
>>> from corridor.demo import run_demo
>>> files = run_demo("outputs", png=False)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from pathlib import Path

from corridor import settings
from corridor.io import write_text_atomic

DEMO_ORIGIN = "park-hbecz"
DEMO_DESTINATION = "port-busan"


def _say(msg: str) -> None:
    print(msg, flush=True)


def run_demo(outputs: str | Path, region: str = settings.DEFAULT_REGION, tiles: str | None = None,
             png: bool = True) -> list[Path]:
    """Run the demo and return the files written."""
    from corridor import maps
    from corridor.network import build_network
    from corridor.reach import reach
    from corridor.routes import compare, compare_scenarios
    from corridor.scenario import Scenario

    out = Path(outputs)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def wrote(p: Path) -> None:
        written.append(p)
        _say(f"  wrote {p}")

    _say(f"corridor demo: region {region}, embedded snapshot (offline)")
    net = build_network(region, source="snapshot")
    _say(f"  network: {net.graph.number_of_nodes():,} nodes, {net.graph.number_of_edges():,} edges; "
         f"{net.report['dropped_count']} border edges dropped, {len(net.report['connectors'])} synthetic connectors")
    p = out / f"network_{region}.html"
    maps.save_map(maps.network_map(net, tiles=tiles), p)
    wrote(p)

    res = reach(net, [DEMO_ORIGIN], settings.DEFAULTS.reach_hours)
    for suffix in ("geojson", "gpkg"):
        p = out / f"reach_{DEMO_ORIGIN}.{suffix}"
        res.to_file(p)
        wrote(p)
    p = out / f"reach_{DEMO_ORIGIN}_places.csv"
    res.places_to_csv(p)
    wrote(p)
    p = out / f"reach_{DEMO_ORIGIN}.html"
    maps.save_map(maps.reach_map(res, tiles=tiles), p)
    wrote(p)
    res_cost = reach(net, [DEMO_ORIGIN], settings.DEFAULTS.reach_cost_usd_t, metric="cost")
    p = out / f"reach_{DEMO_ORIGIN}_cost.html"
    maps.save_map(maps.reach_map(res_cost, tiles=tiles), p)
    wrote(p)

    comp = compare(net, DEMO_ORIGIN, DEMO_DESTINATION)
    p = out / f"compare_{DEMO_ORIGIN}_{DEMO_DESTINATION}.csv"
    comp.to_file(p)
    wrote(p)
    p = out / f"compare_{DEMO_ORIGIN}_{DEMO_DESTINATION}.html"
    maps.save_map(maps.compare_map(comp, tiles=tiles), p)
    wrote(p)
    best = comp.routes.iloc[0]
    closed = best["crossings"].split(";")[0] if best["crossings"] else None
    if closed:
        scen = Scenario(close=(closed,))
        _, comps = compare_scenarios(net, DEMO_ORIGIN, DEMO_DESTINATION, [scen])
        p = out / f"compare_{DEMO_ORIGIN}_{DEMO_DESTINATION}_close_{closed}.csv"
        comps[1].to_file(p)
        wrote(p)
        p = out / f"compare_{DEMO_ORIGIN}_{DEMO_DESTINATION}_close_{closed}.html"
        maps.save_map(maps.compare_map(comps[1], tiles=tiles), p)
        wrote(p)
        after = comps[1].routes.iloc[0]["route"] if len(comps[1].routes) else "no route"
        _say(f"  best route to Busan: {best['route']} ({best['hours']:.1f} h, ${best['cost_usd_t']:.2f}/t); "
             f"with {closed} closed: {after}")
    if png:
        try:
            p = out / f"reach_{DEMO_ORIGIN}.png"
            maps.save_png(res, p)
            wrote(p)
            p = out / f"compare_{DEMO_ORIGIN}_{DEMO_DESTINATION}.png"
            maps.save_png(comp, p)
            wrote(p)
        except ImportError as exc:  # matplotlib is part of the install; say so if it is missing
            print(f"  skipped PNG figures: {exc}", file=sys.stderr)

    note = "\n".join([
        "corridor demo outputs",
        f"data: {net.data_note}",
        "positions marked approximate in the registry are shown as such on every map and table",
        f"attribution: {settings.ATTRIBUTION_TEXT}",
        "files:",
        *[f"  {q.name}" for q in written],
        "",
    ])
    p = out / "README.txt"
    write_text_atomic(p, note)
    wrote(p)
    _say(f"done: {len(written)} files in {out}")
    return written
