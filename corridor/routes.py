"""Compare routes across corridors: every crossing, port and mode side by side.

For an origin and a destination the engine runs two searches (forward from
the origin, backward from the destination). Every crossing edge and every
port's land↔sea transfer then gives, at no further search cost, the best
route forced through it: best(origin → u) + edge + best(v → destination).
Routes are told apart by their corridor signature (crossings, ports and
modes used); the best route of each signature is kept, so the alternatives
are meaningfully different rather than the same corridor with a detour.

Examples
--------
>>> from corridor.network import build_network
>>> from corridor.routes import compare
>>> c = compare(build_network("tumen"), "park-hbecz", "port-busan")
>>> len(c.routes) >= 3
True
>>> int(c.routes.iloc[0]["rank"])
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from corridor.engine import ALL_MODES, Engine, SearchResult, edge_data, engine_for
from corridor.errors import InputError, NoRouteError
from corridor.network import CorridorNetwork, apply_scenario
from corridor.paths import path_geometry, summarize_path
from corridor.reach import resolve_place, write_layers
from corridor.scenario import Scenario

#: columns of a comparison table, in order
COLUMNS = ["route", "rank", "hours", "cost_usd_t", "km_road", "km_rail", "km_sea", "crossings", "ports",
           "gauge_changes", "transfers", "countries", "synthetic_km", "modes", "forced_via", "source", "scenario"]


@dataclass
class Comparison:
    """Ranked alternative routes between two places.

    Attributes
    ----------
    routes : GeoDataFrame
        One row per route (see :data:`COLUMNS`), ranked by the metric, with
        the route's LineString.
    edges : list of list of dict
        Each route's edge attribute dicts, in order (for audits and tests).
    snap_m : dict
        ``{"origin": m, "destination": m}``: how far a ``lat,lon`` end was
        snapped to the network (0 for registry ids); never hidden.
    """

    routes: gpd.GeoDataFrame
    edges: list[list[dict[str, Any]]]
    network: CorridorNetwork
    origin: str
    destination: str
    metric: str
    modes: tuple[str, ...]
    snap_m: dict[str, float] = field(default_factory=dict)

    @property
    def data_note(self) -> str:
        return self.network.data_note

    def to_file(self, path: str | Path) -> None:
        """Write the table: ``.csv``, ``.geojson`` or ``.gpkg``."""
        write_layers(path, {"routes": self.routes}, self.network, self.snap_notes())

    def snap_notes(self) -> dict[str, str]:
        """How far ``lat,lon`` ends were moved onto the network (nothing for registry ids)."""
        moved = [f"{k} {name} moved {self.snap_m[k]:,.0f} m to the network"
                 for k, name in (("origin", self.origin), ("destination", self.destination))
                 if self.snap_m.get(k, 0) > 0]
        return {"snapped": "; ".join(moved)} if moved else {}


def _simple(eng: Engine, path: list[int]) -> bool:
    seq = [eng.u[path[0]]] + [eng.v[q] for q in path]
    return len(set(seq)) == len(seq)


def _join(eng: Engine, fwd: SearchResult, bwd: SearchResult, p: int, group: list[int],
          origin: Hashable, destination: Hashable) -> list[int] | None:
    """Edge positions of origin → edge p → destination, as a simple path.

    The two shared trees give the answer for most edges. Where they do not
    (the best way on from a crossing's far gate is back over the same
    crossing), the ends are searched again with the crossing's other edges
    (``group``) blocked.
    """
    a = eng.nodes[eng.u[p]]
    b = eng.nodes[eng.v[p]]
    head = fwd.path_positions(0, a)
    tail = bwd.path_positions(0, b)
    if head is not None and tail is not None and _simple(eng, head + [p] + tail):
        return head + [p] + tail
    others = [q for q in group if q != p]
    head = eng.search([origin], blocked=others + [p]).path_positions(0, a)
    tail = eng.search([destination], reverse=True, blocked=others + [p]).path_positions(0, b)
    if head is None or tail is None:
        return None
    path = head + [p] + tail
    # a forced route that still passes a node twice is a detour of another route
    return path if _simple(eng, path) else None


def compare(net: CorridorNetwork, origin: str, destination: str, alternatives: int = 10, metric: str = "time",
            modes: Sequence[str] = ALL_MODES) -> Comparison:
    """Best route through each crossing and port, plus the overall best, ranked.

    Parameters
    ----------
    net : CorridorNetwork
    origin, destination : str
        Registry ids or ``"lat,lon"``.
    alternatives : int
        Most routes to list: the overall best first, then the best route
        through each feasible crossing and mode, then routes through other
        ports.
    metric : {"time", "cost"}
        What "best" means.
    modes : list of str

    Raises
    ------
    NoRouteError
        Nothing at all connects origin and destination.
    """
    return _select(_corridors(net, origin, destination, metric, modes), alternatives)


@dataclass
class _Corridors:
    """Every corridor found between two places, in listing priority (see :func:`compare`)."""

    found: list[tuple[float, str, dict[str, Any], list[dict[str, Any]]]]
    priority: list[int]
    network: CorridorNetwork
    origin: str
    destination: str
    metric: str
    modes: tuple[str, ...]
    snap_m: dict[str, float]


def _corridors(net: CorridorNetwork, origin: str, destination: str, metric: str,
               modes: Sequence[str]) -> _Corridors:
    """The best route of every corridor signature between two places (the searches of :func:`compare`)."""
    eng = engine_for(net, metric, modes)
    o, o_label, o_snap = resolve_place(net, eng, origin)
    d, d_label, d_snap = resolve_place(net, eng, destination)
    fwd = eng.search([o])
    bwd = eng.search([d], reverse=True)
    io, idd = eng.idx(o), eng.idx(d)
    if not np.isfinite(fwd.dist[0, idd]):
        raise NoRouteError(f"no route from {o_label} to {d_label} by {', '.join(eng.modes)} "
                           f"under scenario '{net.scenario.label}' (region {net.region}); "
                           "try other --modes, --region northeast-asia, or open a crossing")
    g = net.graph
    # candidate via-edges: crossings and port transfers
    cand: dict[tuple[str, str], tuple[float, int]] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for p, (u, v, k) in enumerate(eng.edge_keys):
        ed = g.edges[u, v, k]
        if ed["mode"] == "crossing":
            key = (ed["crossing_id"], ed["crossing_mode"])
        elif ed.get("transfer") == "port":
            key = (ed["port_id"], "port")
        else:
            continue
        groups.setdefault(key, []).append(p)
        total = fwd.dist[0, eng.u[p]] + eng.w[p] + bwd.dist[0, eng.v[p]]
        if np.isfinite(total) and (key not in cand or total < cand[key][0]):
            cand[key] = (float(total), p)
    paths: list[tuple[float, list[int], str]] = [(float(fwd.dist[0, idd]), fwd.path_positions(0, d), "best")]
    for (vid, kind), (total, p) in sorted(cand.items(), key=lambda kv: kv[1][0]):
        path = _join(eng, fwd, bwd, p, groups[(vid, kind)], o, d)
        if path is not None:  # the search weight of the path actually joined
            paths.append((float(eng.w[path].sum()), path, vid if kind == "port" else f"{vid} ({kind})"))
    # the best route of each corridor signature, cheapest first
    found, seen = [], set()
    for total, path, forced in sorted(paths, key=lambda t: t[0]):
        data = edge_data(eng, g, path)
        nodes = [eng.nodes[io]] + [eng.nodes[eng.v[q]] for q in path]
        summ = summarize_path(net, nodes, data)
        sig = summ.pop("_signature")
        if sig in seen:
            continue
        seen.add(sig)
        summ.update(forced_via=forced, source=net.source, scenario=net.scenario.label,
                    geometry=path_geometry(net, nodes, data))
        found.append((total, forced, summ, data))
    # listing priority: the overall best first, then for every crossing and
    # mode the best route over it, then the rest (other ports)
    must: list[int] = [0]
    covered: set[tuple[str, str]] = set()
    for i, f in enumerate(found):
        uses = {(e["crossing_id"], e["crossing_mode"]) for e in f[3] if e["mode"] == "crossing"}
        if uses - covered:
            must.append(i)
            covered |= uses
    must = sorted(set(must))
    rest = [i for i in range(len(found)) if i not in must]
    return _Corridors(found, must + rest, net, o_label, d_label, metric, eng.modes,
                      {"origin": o_snap, "destination": d_snap})


def _select(c: _Corridors, alternatives: int) -> Comparison:
    """The first ``alternatives`` corridors by priority, ranked by the metric."""
    if alternatives < 1:
        raise InputError(f"--alternatives {alternatives}: must be a whole number >= 1")
    chosen = [c.found[i] for i in sorted(c.priority[:alternatives])]
    df = pd.DataFrame([f[2] for f in chosen])
    df["rank"] = np.arange(1, len(df) + 1)
    for col in ("hours", "cost_usd_t", "km_road", "km_rail", "km_sea", "synthetic_km"):
        df[col] = df[col].round(2)
    routes = gpd.GeoDataFrame(df[COLUMNS + ["geometry"]], geometry="geometry", crs="EPSG:4326")
    return Comparison(routes=routes, edges=[f[3] for f in chosen], network=c.network, origin=c.origin,
                      destination=c.destination, metric=c.metric, modes=c.modes, snap_m=c.snap_m)


def compare_scenarios(net: CorridorNetwork, origin: str, destination: str, scenarios: Sequence[Scenario],
                      alternatives: int = 10, metric: str = "time",
                      modes: Sequence[str] = ALL_MODES) -> tuple[pd.DataFrame, list[Comparison]]:
    """Baseline against each scenario, side by side, with the change per route.

    Returns
    -------
    table : DataFrame
        One row per route (by corridor label) listed in any of the
        comparisons: ``rank_<label>``, ``hours_<label>``,
        ``cost_usd_t_<label>`` per scenario (ranks among every corridor
        found, so a route just outside one list is not mistaken for a new
        one), then ``delta_hours``, ``delta_rank`` and ``status`` of the last
        scenario against the baseline: ``same``, ``changed``, ``new`` (not
        possible in the baseline) or ``impossible`` (not possible in the
        scenario).
    comparisons : list of Comparison
        Baseline first, each listing up to ``alternatives`` routes.
    """
    nets = [net] + [apply_scenario(net, sc) for sc in scenarios]
    comps, full = [], []
    for n in nets:
        try:
            found = _corridors(n, origin, destination, metric, modes)
            comps.append(_select(found, alternatives))
            full.append(_select(found, len(found.found)).routes)
        except NoRouteError:
            empty = gpd.GeoDataFrame(pd.DataFrame(columns=COLUMNS + ["geometry"]), geometry="geometry", crs="EPSG:4326")
            comps.append(Comparison(empty, [], n, origin, destination, metric, tuple(modes)))
            full.append(empty)
    labels = ["baseline"] + [sc.label for sc in scenarios]
    listed = list(dict.fromkeys(r for c in comps for r in c.routes["route"]))
    table = pd.DataFrame(index=pd.Index(listed, name="route"))
    for lab, routes in zip(labels, full):
        part = pd.DataFrame(routes[["route", "rank", "hours", "cost_usd_t"]]).set_index("route")
        part.columns = [f"{col}_{lab}" for col in part.columns]
        table = table.join(part, how="left")
    last = labels[-1]
    for col in [c for c in table.columns if c.startswith("rank_")]:
        table[col] = table[col].astype("Int64")
    if len(labels) > 1:
        table["delta_hours"] = (table[f"hours_{last}"] - table["hours_baseline"]).round(2)
        table["delta_rank"] = (table[f"rank_{last}"] - table["rank_baseline"]).astype("Int64")
        table["status"] = np.where(table[f"rank_{last}"].isna(), "impossible",
                                   np.where(table["rank_baseline"].isna(), "new", "changed"))
        same = (table["status"] == "changed") & (table["delta_hours"].abs() < 1e-9) & (table["delta_rank"] == 0)
        table.loc[same.fillna(False).astype(bool), "status"] = "same"
    table = table.sort_values(f"rank_{last}" if len(labels) > 1 else "rank_baseline", na_position="last")
    return table.reset_index(), comps
