"""What a path through the corridor graph amounts to: metrics and geometry.

Shared by :mod:`corridor.routes` (one row per route) and :mod:`corridor.reach`
(how each place was reached).

Examples
--------
>>> from corridor.network import build_network
>>> from corridor.engine import engine_for, edge_data
>>> net = build_network("tumen")
>>> res = engine_for(net).search(["park-hbecz"])
>>> nodes = res.path_nodes(0, "port-rajin")
>>> data = edge_data(res.engine, net.graph, res.path_positions(0, "port-rajin"))
>>> summarize_path(net, nodes, data)["crossings"]
'quanhe-wonjong'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Hashable

import shapely

if TYPE_CHECKING:
    from corridor.network import CorridorNetwork


def _label(modes: list[str], crossings: list[str], ports: list[str]) -> str:
    via = crossings + ports
    return ("+".join(modes) or "local") + (" via " + ", ".join(via) if via else " (no border, no port)")


def summarize_path(net: CorridorNetwork, nodes: list[Hashable], data: list[dict[str, Any]]) -> dict[str, Any]:
    """The metrics of one route from its nodes and edge attribute dicts.

    Reported hours and cost are the plain sums of ``travel_time`` and
    ``cost_usd_t`` over the edges (penalties never count).
    """
    g = net.graph
    km = {"road": 0.0, "rail": 0.0, "sea": 0.0}
    synthetic = 0.0
    modes: list[str] = []
    gauge_changes = 0
    last_gauge = None
    for i, d in enumerate(data):
        m = d["mode"]
        carrier = {"crossing": d.get("crossing_mode"), "connector": d.get("layer_of")}.get(m, m)
        if d.get("synthetic"):
            synthetic += d["length"]
        elif m in km:
            km[m] += d["length"]
        elif m == "crossing":
            km[carrier] += d["length"]
        if carrier in ("road", "rail", "sea") and carrier not in modes:
            modes.append(carrier)
        if m == "transfer" and d.get("transfer") == "gauge":
            gauge_changes += 1
            last_gauge = None
        elif carrier == "rail" and d.get("gauge_mm"):
            if d.get("transfer") == "rail-terminal":
                # unloading then loading at the same terminal in another gauge is transshipment
                if last_gauge is not None and d["gauge_mm"] != last_gauge and g.nodes[nodes[i]]["layer"] == "place":
                    gauge_changes += 1
                last_gauge = d["gauge_mm"]
            else:
                last_gauge = d["gauge_mm"]
        elif m in ("road", "sea", "connector"):
            last_gauge = None  # the goods left the rails
    crossings = list(dict.fromkeys(d["crossing_id"] for d in data if d["mode"] == "crossing"))
    ports = list(dict.fromkeys(d["port_id"] for d in data if d.get("transfer") == "port"))
    countries = list(dict.fromkeys(g.nodes[n]["country"] for n in nodes))
    return {
        "hours": float(sum(d["travel_time"] for d in data)) / 3600.0,
        "cost_usd_t": float(sum(d["cost_usd_t"] for d in data)),
        "km_road": km["road"] / 1000.0, "km_rail": km["rail"] / 1000.0, "km_sea": km["sea"] / 1000.0,
        "crossings": ";".join(crossings), "ports": ";".join(ports),
        "gauge_changes": gauge_changes,
        "transfers": sum(1 for d in data if d["mode"] == "transfer"),
        "countries": ";".join(countries), "synthetic_km": synthetic / 1000.0,
        "modes": "+".join(modes), "route": _label(modes, crossings, ports),
        "_signature": (tuple(crossings), tuple(ports), tuple(modes)),
    }


def path_geometry(net: CorridorNetwork, nodes: list[Hashable], data: list[dict[str, Any]]) -> shapely.LineString:
    """One LineString along the route (sea lanes follow their searoute geometry)."""
    g = net.graph
    coords: list[tuple[float, float]] = [(g.nodes[nodes[0]]["x"], g.nodes[nodes[0]]["y"])]
    for v, d in zip(nodes[1:], data):
        geom = d.get("geometry")
        seg = list(geom.coords)[1:] if geom is not None else [(g.nodes[v]["x"], g.nodes[v]["y"])]
        for c in seg:
            if c != coords[-1]:
                coords.append(c)
    if len(coords) == 1:
        coords.append(coords[0])
    return shapely.LineString(coords)
