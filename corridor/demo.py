"""``corridor demo``: the whole workflow, offline, on the embedded snapshot.

Builds the network, maps it, computes reach from the Border Economic
Cooperation Zone, compares routes to Busan with and without the best
route's crossing, and writes maps and tables into ``outputs/``, each saying
which data it came from.

Examples
--------
>>> from corridor.demo import run_demo
>>> import tempfile
>>> files = run_demo(tempfile.mkdtemp(), png=False)  # doctest: +ELLIPSIS
corridor demo: region tumen, embedded snapshot (offline)
...
>>> sorted(p.suffix for p in files)[:3]
['.csv', '.csv', '.csv']
"""

from __future__ import annotations

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

    def emit(name: str, write) -> None:
        """Write one output through ``write(path)`` and say so."""
        p = out / name
        write(p)
        written.append(p)
        _say(f"  wrote {p}")

    def html(name: str, m) -> None:
        emit(name, lambda p: maps.save_map(m, p))

    _say(f"corridor demo: region {region}, embedded snapshot (offline)")
    net = build_network(region, source="snapshot")
    _say(f"  network: {net.graph.number_of_nodes():,} nodes, {net.graph.number_of_edges():,} edges; "
         f"{net.report['dropped_count']} border edges dropped, {len(net.report['connectors'])} synthetic connectors")
    html(f"network_{region}.html", maps.network_map(net, tiles=tiles))

    res = reach(net, [DEMO_ORIGIN])  # bands from the network's settings
    emit(f"reach_{DEMO_ORIGIN}.geojson", res.to_file)
    emit(f"reach_{DEMO_ORIGIN}.gpkg", res.to_file)
    emit(f"reach_{DEMO_ORIGIN}_places.csv", res.places_to_csv)
    html(f"reach_{DEMO_ORIGIN}.html", maps.reach_map(res, tiles=tiles))
    res_cost = reach(net, [DEMO_ORIGIN], metric="cost")
    html(f"reach_{DEMO_ORIGIN}_cost.html", maps.reach_map(res_cost, tiles=tiles))

    pair = f"{DEMO_ORIGIN}_{DEMO_DESTINATION}"
    comp = compare(net, DEMO_ORIGIN, DEMO_DESTINATION)
    emit(f"compare_{pair}.csv", comp.to_file)
    html(f"compare_{pair}.html", maps.compare_map(comp, tiles=tiles))
    best = comp.routes.iloc[0]
    closed = best["crossings"].split(";")[0] if best["crossings"] else None
    if closed:
        _, comps = compare_scenarios(net, DEMO_ORIGIN, DEMO_DESTINATION, [Scenario(close=(closed,))])
        emit(f"compare_{pair}_close_{closed}.csv", comps[1].to_file)
        html(f"compare_{pair}_close_{closed}.html", maps.compare_map(comps[1], tiles=tiles))
        after = comps[1].routes.iloc[0]["route"] if len(comps[1].routes) else "no route"
        _say(f"  best route to Busan: {best['route']} ({best['hours']:.1f} h, ${best['cost_usd_t']:.2f}/t); "
             f"with {closed} closed: {after}")
    if png:
        emit(f"reach_{DEMO_ORIGIN}.png", lambda p: maps.save_png(res, p))
        emit(f"compare_{pair}.png", lambda p: maps.save_png(comp, p))

    note = "\n".join([
        "corridor demo outputs",
        f"data: {net.data_note}",
        "positions marked approximate in the registry are shown as such on every map and table",
        f"attribution: {settings.ATTRIBUTION_TEXT}",
        "files:",
        *[f"  {q.name}" for q in written],
        "",
    ])
    emit("README.txt", lambda p: write_text_atomic(p, note))
    _say(f"done: {len(written)} files in {out}")
    return written
