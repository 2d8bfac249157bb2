"""Assemble the multimodal corridor graph; apply scenarios.

One ``networkx.MultiDiGraph`` following the graph contract of DESIGN.md:
graph attribute ``crs="EPSG:4326"``; nodes with ``x``, ``y``, ``country``
and ``layer`` (``road``, ``rail``, ``sea``, ``place``); edges with ``length``
(m), ``speed_kph``, ``travel_time`` (s), ``mode``, ``cost_usd_t``,
``penalty_s``, ``status``, ``source``, ``synthetic`` and, where they apply,
``gauge_mm``, ``dual_gauge``, ``crossing_id``, ``crossing_mode``, ``port_id``,
``transfer`` (``gauge``, ``rail-terminal``, ``port``).

How the pieces join:

* Rail is split into one layer per gauge (node ``rail:<gauge>:<id>``); a
  dual-gauge edge appears in both layers with ``dual_gauge=True``. Where a
  1435-only and a 1520-only edge meet, a ``gauge`` transfer edge joins the
  layers.
* A border crossing is a pair of gate nodes (one per country and mode, per
  gauge for rail) joined by ``crossing`` edges that carry the dwell (time),
  fee (money), penalty (route choice only) and status. A source edge that
  crosses a border near a registry crossing of its mode is split there and
  runs through the gates; every other border-crossing edge is dropped and
  reported. Where the two sides share no gauge, the crossing includes a
  change of gauge on the side named ``gauge_change_country``.
* Registry places (parks, towns, ports) are nodes joined to their nearest
  access nodes by ``connector`` edges marked ``synthetic``; rail terminals
  and ports add ``transfer`` edges to rail with handling time and cost;
  ports join the sea layer through a ``port`` transfer.
* Sea lanes from searoute join ports' sea nodes.

Examples
--------
>>> from corridor.network import build_network
>>> net = build_network("tumen")
>>> net.graph.graph["crs"]
'EPSG:4326'
>>> sorted({d["mode"] for _, _, d in net.graph.edges(data=True)})
['connector', 'crossing', 'rail', 'road', 'sea', 'transfer']
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from corridor import settings as settings_mod
from corridor.errors import InputError
from corridor.geo import haversine_m, point_segment_m
from corridor.registry import Registry, load_registry
from corridor.scenario import BASELINE, Scenario
from corridor.sources import SourceNetworks
from corridor.sources.borders import smooth_countries, tag_countries
from corridor.sources.sea import load_sea_lanes
from corridor.sources.snapshot import load_snapshot

Settings = settings_mod.Settings


@dataclass
class CorridorNetwork:
    """The assembled multimodal network and everything known about it.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        The graph (see module docstring). Treat it as read-only: scenarios
        make copies.
    registry : Registry
        The registry the crossings, ports and places came from.
    source, region, bbox, detail : str, str, tuple, str
        Which data the land networks came from and how detailed they are.
    settings : Settings
        The numbers the edges were built with.
    scenario : Scenario
        The scenario applied (``BASELINE`` for the base network).
    report : dict
        Dropped border edges, connectors, crossing edges, components.
    """

    graph: nx.MultiDiGraph
    registry: Registry
    source: str
    region: str
    bbox: tuple[float, float, float, float]
    detail: str
    settings: Settings
    scenario: Scenario = BASELINE
    report: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def data_note(self) -> str:
        """One line on where the data came from and how detailed it is."""
        return f"{self.source} data, region {self.region}: {self.detail}"

    def edges_by_mode(self) -> Counter:
        return Counter(d["mode"] for _, _, d in self.graph.edges(data=True))


# --------------------------------------------------------------------------- helpers

@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large graphs.

    NetworkX creates a dict per node and edge; the collector would scan them
    again and again while they are being made (half of the build time of the
    northeast-asia network). Nothing built here forms reference cycles.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_NUM = re.compile(r"(\d+(?:\.\d+)?)")


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def parse_maxspeed(value: Any) -> float | None:
    """km/h from an OSM ``maxspeed`` value (``"60"``, ``"40 mph"``, lists); None if unusable."""
    value = _first(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    m = _NUM.search(str(value))
    if not m:
        return None
    v = float(m.group(1))
    if "mph" in str(value):
        v *= 1.609344
    return v if v > 0 else None


def parse_duration_h(value: Any) -> float | None:
    """Hours from an OSM ``duration`` (``"HH:MM"``, ``"HH:MM:SS"`` or minutes); None if unusable.

    Examples
    --------
    >>> parse_duration_h("01:30"), parse_duration_h("45"), parse_duration_h("soon")
    (1.5, 0.75, None)
    """
    value = _first(value)
    if value is None:
        return None
    parts = str(value).strip().split(":")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 1:
        h = nums[0] / 60.0
    elif len(nums) in (2, 3):
        h = nums[0] + nums[1] / 60.0 + (nums[2] / 3600.0 if len(nums) == 3 else 0.0)
    else:
        return None
    return h if h > 0 else None


def parse_gauges(value: Any) -> set[int]:
    """Gauges in mm from an OSM ``gauge`` tag (``"1435"``, ``"1435;1520"``, lists)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    vals = value if isinstance(value, (list, tuple)) else [value]
    out: set[int] = set()
    for v in vals:
        for part in str(v).replace(",", ";").split(";"):
            m = _NUM.search(part)
            if m:
                out.add(int(float(m.group(1))))
    return out


def _road_speed(data: dict, country: str, s: Settings) -> float:
    ms = parse_maxspeed(data.get("maxspeed"))
    hw = _first(data.get("highway"))
    if ms:
        return min(ms, 90.0)  # Valhalla's truck cap
    if hw in s.road_class_speed_kph:
        # class speeds describe the road; the country default bounds them
        # where roads are poorer than their class suggests (the DPRK)
        return min(s.road_class_speed_kph[hw], s.road_speed_kph.get(country, s.road_speed_kph["default"]) * 1.5)
    return s.road_speed_kph.get(country, s.road_speed_kph["default"])


def _in_dual_area(x: float, y: float, country: str, s: Settings) -> bool:
    for w, so, e, n, cc in s.dual_gauge_areas.values():
        if cc == country and w <= x <= e and so <= y <= n:
            return True
    return False


def _side_gauges(data: dict, country: str, x: float, y: float, s: Settings) -> set[int]:
    tagged = parse_gauges(data.get("gauge"))
    if tagged:
        return tagged
    base = s.gauge_mm.get(country, 1435)
    if _in_dual_area(x, y, country, s):
        return {1435, 1520}
    return {base}


def _line_attrs(mode: str, length_m: float, speed: float, s: Settings, **extra: Any) -> dict[str, Any]:
    return {
        "mode": mode,
        "length": float(length_m),
        "speed_kph": float(speed),
        "travel_time": float(length_m / 1000.0 / speed * 3600.0) if speed > 0 else 0.0,
        "cost_usd_t": float(length_m / 1000.0 * s.cost_usd_per_tkm[mode]),
        "penalty_s": 0.0,
        "status": "open",
        "synthetic": False,
        **extra,
    }


class _Builder:
    def __init__(self, src: SourceNetworks, registry: Registry, s: Settings):
        self.src, self.reg, self.s = src, registry, s
        self.g = nx.MultiDiGraph(crs="EPSG:4326", source=src.source, region=src.region, bbox=list(src.bbox),
                                 attribution=settings_mod.ATTRIBUTION_TEXT)
        self.report: dict[str, Any] = {"dropped_border_edges": [], "split_at_crossing": [], "connectors": [],
                                       "unconnected": [], "country_fixed": []}
        self.edge_source = "osm" if src.source.startswith("osm") else src.source
        # (crossing id, mode, country) of every crossing side a source edge was split onto
        self.split_sides: set[tuple[str, str, str]] = set()
        self._indexes: dict[tuple, tuple[list[str], cKDTree | None]] = {}
        self._seen_border: set[tuple] = set()
        self._gate_ids: list[str] = []

    def _add_edges(self, edges: list[tuple[Any, Any, Any, dict[str, Any]]]) -> None:
        add = self.g.add_edge  # faster than add_edges_from, which looks each edge up again
        for u, v, k, attrs in edges:
            add(u, v, key=k, **attrs)  # the source's key: networkx need not search for a free one

    # ---- nodes
    def _add_node(self, nid: str, x: float, y: float, country: str, layer: str, **extra: Any) -> None:
        if nid not in self.g:
            self.g.add_node(nid, x=float(x), y=float(y), country=country, layer=layer, **extra)

    def _gate(self, cid: str, cc: str, mode: str, gauge: int | None = None) -> str:
        c = self.reg[cid]
        nid = f"gate:{cid}:{cc}:{mode}" + (f":{gauge}" if gauge else "")
        extra = {"gauge_mm": gauge} if gauge else {}
        if nid not in self.g:
            self._gate_ids.append(nid)
        self._add_node(nid, c["lon"], c["lat"], cc, mode, crossing_id=cid, name=c["name"], **extra)
        return nid

    # ---- land networks
    def _crossing_for(self, mode: str, cu: str, cv: str, ux, uy, vx, vy) -> str | None:
        best, best_d = None, self.s.crossing_snap_km * 1000
        for c in self.reg.of_kind("crossing"):
            if mode in c["modes"] and set(c["countries"]) == {cu, cv}:
                d = float(point_segment_m(c["lon"], c["lat"], ux, uy, vx, vy))
                if d <= best_d:
                    best, best_d = c["id"], d
        return best

    def add_road(self) -> None:
        g, s = self.src.road, self.s
        tag_countries(g)
        self.report["country_fixed"] += [{**c, "mode": "road"} for c in smooth_countries(g, s.border_tolerance_km)]
        edges = []
        nodes = dict(g.nodes(data=True))
        for u, v, key, d in g.edges(keys=True, data=True):
            nu, nv = nodes[u], nodes[v]
            cu, cv = nu["country"], nv["country"]
            tags = {k: d[k] for k in ("highway", "name", "ref", "maxspeed", "osmid", "geometry") if k in d and d[k] is not None}
            if cu != cv:
                self._border_edge("road", u, v, nu, nv, d, tags)
                continue
            self._add_node(f"road:{u}", nu["x"], nu["y"], cu, "road")
            self._add_node(f"road:{v}", nv["x"], nv["y"], cv, "road")
            speed = _road_speed(d, cu, s) * s.speed_factor.get("road", 1.0)
            edges.append((f"road:{u}", f"road:{v}", key, _line_attrs("road", d["length"], speed, s, source=self.edge_source, **tags)))
        self._add_edges(edges)

    def add_rail(self) -> None:
        g, s = self.src.rail, self.s
        tag_countries(g)
        self.report["country_fixed"] += [{**c, "mode": "rail"} for c in smooth_countries(g, s.border_tolerance_km)]
        edges = []
        # per node: every gauge meeting there, and whether any single-gauge track does
        present: dict[Any, set[int]] = defaultdict(set)
        has_single: set[Any] = set()
        nodes = dict(g.nodes(data=True))
        for u, v, key, d in g.edges(keys=True, data=True):
            nu, nv = nodes[u], nodes[v]
            cu, cv = nu["country"], nv["country"]
            tags = {k: d[k] for k in ("railway", "name", "ref", "usage", "service", "electrified", "osmid", "geometry")
                    if k in d and d[k] is not None}
            if cu != cv:
                self._border_edge("rail", u, v, nu, nv, d, tags)
                continue
            gu = _side_gauges(d, cu, nu["x"], nu["y"], s)
            gv = _side_gauges(d, cv, nv["x"], nv["y"], s)
            gauges = gu & gv or gu
            speed = s.rail_speed_kph.get(cu, s.rail_speed_kph["default"]) * s.speed_factor.get("rail", 1.0)
            for gg in sorted(gauges):
                a, b = f"rail:{gg}:{u}", f"rail:{gg}:{v}"
                self._add_node(a, nu["x"], nu["y"], cu, "rail", gauge_mm=gg)
                self._add_node(b, nv["x"], nv["y"], cv, "rail", gauge_mm=gg)
                edges.append((a, b, key, _line_attrs("rail", d["length"], speed, s, source=self.edge_source, gauge_mm=gg,
                                                dual_gauge=len(gauges) > 1, **tags)))
            present[u].update(gauges)
            present[v].update(gauges)
            if len(gauges) == 1:
                has_single.update((u, v))
        self._add_edges(edges)
        # breaks of gauge: where single-gauge track meets track of another gauge
        # (another single gauge, or the end of a dual-gauge section) goods are
        # transshipped; along dual-gauge track itself they need not be
        for n in has_single:
            gs = sorted(present[n])
            for a in gs:
                for b in gs:
                    if a != b:
                        self._gauge_change(f"rail:{a}:{n}", f"rail:{b}:{n}", None)

    def _rail_layers(self, rail_node: str) -> list[tuple[int, str]]:
        """(gauge, node id) of every gauge layer at the place of a rail node."""
        base = rail_node.split(":", 2)[2]
        return [(gg, f"rail:{gg}:{base}") for gg in sorted(set(self.s.gauge_mm.values()) | {1435, 1520})
                if f"rail:{gg}:{base}" in self.g]

    def _gauge_change(self, a: str, b: str, cid: str | None) -> None:
        s = self.s
        attrs = {"mode": "transfer", "transfer": "gauge", "length": 0.0, "speed_kph": 0.0,
                 "travel_time": s.gauge_change_h * 3600.0, "cost_usd_t": s.gauge_change_usd_t, "penalty_s": 0.0,
                 "status": "open", "synthetic": False, "source": "registry" if cid else self.edge_source}
        if cid:
            attrs["crossing_id"] = cid
        self.g.add_edge(a, b, **attrs)

    def _border_edge(self, mode: str, u, v, nu: dict, nv: dict, d: dict, tags: dict) -> None:
        cu, cv = nu["country"], nv["country"]
        cid = self._crossing_for(mode, cu, cv, nu["x"], nu["y"], nv["x"], nv["y"])
        rec = {"mode": mode, "u": u, "v": v, "countries": f"{cu}-{cv}", "km": round(d["length"] / 1000.0, 2),
               "lon": round((nu["x"] + nv["x"]) / 2, 3), "lat": round((nu["y"] + nv["y"]) / 2, 3)}
        first = (mode, min(str(u), str(v)), max(str(u), str(v))) not in self._seen_border
        self._seen_border.add((mode, min(str(u), str(v)), max(str(u), str(v))))
        if cid is None:
            if first:  # report each track once, not once per direction
                self.report["dropped_border_edges"].append(rec)
            return
        if first:
            self.report["split_at_crossing"].append({**rec, "crossing_id": cid})
        c = self.reg[cid]
        s = self.s
        tags = {k: t for k, t in tags.items() if k != "geometry"}  # the pieces run straight via the gate
        for side, node, cc, outbound in ((u, nu, cu, True), (v, nv, cv, False)):
            length = float(haversine_m(node["x"], node["y"], c["lon"], c["lat"]))
            if mode == "road":
                speed = _road_speed(d, cc, s) * s.speed_factor.get("road", 1.0)
                nid, gate = f"road:{side}", self._gate(cid, cc, "road")
                self._add_node(nid, node["x"], node["y"], cc, "road")
                a, b = (nid, gate) if outbound else (gate, nid)
                self.g.add_edge(a, b, **_line_attrs("road", length, speed, s, source=self.edge_source,
                                                    split_at_crossing=cid, **tags))
            else:
                speed = s.rail_speed_kph.get(cc, s.rail_speed_kph["default"]) * s.speed_factor.get("rail", 1.0)
                for gg in sorted(_side_gauges(d, cc, node["x"], node["y"], s)):
                    nid, gate = f"rail:{gg}:{side}", self._gate(cid, cc, "rail", gg)
                    self._add_node(nid, node["x"], node["y"], cc, "rail", gauge_mm=gg)
                    a, b = (nid, gate) if outbound else (gate, nid)
                    self.g.add_edge(a, b, **_line_attrs("rail", length, speed, s, source=self.edge_source, gauge_mm=gg,
                                                        dual_gauge=False, split_at_crossing=cid, **tags))
            self.split_sides.add((cid, mode, cc))

    # ---- nearest access nodes
    @functools.cached_property
    def _lat0(self) -> float:
        return float(np.cos(np.radians((self.src.bbox[1] + self.src.bbox[3]) / 2)))

    def _index(self, layer: str, country: str) -> tuple[list[str], cKDTree | None]:
        """KD-tree of a layer's network nodes in one country (built once: they never change
        after the land networks are in; every one of them came with an edge)."""
        key = (layer, country)
        if not self._indexes:
            groups: dict[tuple[str, str], list[str]] = defaultdict(list)
            for n, d in self.g.nodes(data=True):
                if d["layer"] in ("road", "rail") and not str(n).startswith("gate:"):
                    groups[(d["layer"], d["country"])].append(n)
            for k, ids in groups.items():
                xy = np.array([(self.g.nodes[n]["x"] * self._lat0, self.g.nodes[n]["y"]) for n in ids])
                self._indexes[k] = (ids, cKDTree(xy))
        return self._indexes.get(key, ([], None))

    def _nearest(self, layer: str, country: str, x: float, y: float, k: int = 1,
                 gates: bool = False) -> list[tuple[str, float]]:
        """Nearest access nodes of a layer in a country, nearest first, with distances in metres.

        ``gates=True`` counts the crossings' gate nodes on that side as access nodes too.
        """
        ids, tree = self._index(layer, country)
        extra = [n for n in self._gate_ids if self.g.nodes[n]["layer"] == layer
                 and self.g.nodes[n]["country"] == country and self.g.degree(n) > 0] if gates else []
        if tree is None and not extra:
            return []
        idx = []
        if tree is not None:
            kk = min(max(k * 4, 8), len(ids))
            _, found = tree.query([x * self._lat0, y], k=kk)
            idx = [ids[i] for i in np.atleast_1d(found)]
        idx += extra
        cands = sorted(((n, float(haversine_m(x, y, self.g.nodes[n]["x"], self.g.nodes[n]["y"])))
                        for n in idx), key=lambda t: t[1])
        return cands

    def _connector(self, a: str, b: str, length: float, layer: str, **extra: Any) -> None:
        s = self.s
        speed = s.connector_speed_kph
        attrs = {"mode": "connector", "length": length, "speed_kph": speed,
                 "travel_time": length / 1000.0 / speed * 3600.0, "cost_usd_t": length / 1000.0 * s.cost_usd_per_tkm["connector"],
                 "penalty_s": 0.0, "status": "open", "synthetic": True, "source": "registry", "layer_of": layer, **extra}
        self.g.add_edge(a, b, **attrs)
        self.g.add_edge(b, a, **attrs)

    # ---- crossings
    def add_crossings(self) -> None:
        s = self.s
        w, so, e, n = self.src.bbox
        for c in self.reg.of_kind("crossing"):
            cid = c["id"]
            if not (w <= c["lon"] <= e and so <= c["lat"] <= n):
                continue
            ca, cb = c["countries"]
            for mode in c["modes"]:
                # sides without a split source edge reach the network through a connector
                for cc in (ca, cb):
                    if (cid, mode, cc) in self.split_sides:
                        continue
                    near = self._nearest(mode, cc, c["lon"], c["lat"])
                    if not near or near[0][1] > s.max_connector_km * 1000:
                        self.report["unconnected"].append({"id": cid, "mode": mode, "country": cc})
                        continue
                    target, dist = near[0]
                    if mode == "rail":
                        for gg, t in self._rail_layers(target):
                            self._connector(self._gate(cid, cc, "rail", gg), t, dist, "rail", crossing_id=cid)
                    else:
                        self._connector(self._gate(cid, cc, "road"), target, dist, "road", crossing_id=cid)
                    self.report["connectors"].append({"from": cid, "to": target, "mode": mode, "country": cc,
                                                      "km": round(dist / 1000, 2)})
                self._crossing_edges(c, mode)

    def _crossing_edges(self, c: dict, mode: str) -> None:
        s = self.s
        cid = c["id"]
        ca, cb = c["countries"]
        status = c["status"]
        # a registry crossing without its own dwell or fee takes the settings' defaults
        dwell_h = float(c["dwell_h"]) if c.get("dwell_h") is not None else s.crossing_dwell_h
        fee = float(c["fee_usd_t"]) if c.get("fee_usd_t") is not None else s.crossing_fee_usd_t
        attrs = {"mode": "crossing", "crossing_mode": mode, "crossing_id": cid,
                 "length": float(c.get("length_m", 0.0)), "speed_kph": 0.0,
                 "dwell_s": dwell_h * 3600.0, "travel_time": dwell_h * 3600.0,
                 "cost_usd_t": fee, "penalty_s": s.crossing_penalty_s,
                 "status": "open" if status == "open" else status, "registry_status": status,
                 "synthetic": False, "source": "registry", "countries": f"{ca}-{cb}"}
        if c.get("hours"):
            attrs["hours"] = c["hours"]
        if mode == "road":
            a, b = self._gate(cid, ca, "road"), self._gate(cid, cb, "road")
            self.g.add_edge(a, b, **attrs)
            self.g.add_edge(b, a, **attrs)
            return
        gauges = {cc: {d["gauge_mm"] for n, d in self.g.nodes(data=True)
                       if d.get("crossing_id") == cid and d["layer"] == "rail" and d["country"] == cc and self.g.degree(n) > 0}
                  for cc in (ca, cb)}
        common = gauges[ca] & gauges[cb]
        for gg in sorted(common):
            a, b = self._gate(cid, ca, "rail", gg), self._gate(cid, cb, "rail", gg)
            self.g.add_edge(a, b, gauge_mm=gg, **attrs)
            self.g.add_edge(b, a, gauge_mm=gg, **attrs)
        if not common and gauges[ca] and gauges[cb]:
            change = c.get("gauge_change_country") or cb
            other = ca if change == cb else cb
            for g_in in sorted(gauges[other]):
                a, b = self._gate(cid, other, "rail", g_in), self._gate(cid, change, "rail", g_in)
                self.g.add_edge(a, b, gauge_mm=g_in, **attrs)
                self.g.add_edge(b, a, gauge_mm=g_in, **attrs)
                for g_out in sorted(gauges[change]):
                    x = self._gate(cid, change, "rail", g_out)
                    self._gauge_change(b, x, cid)
                    self._gauge_change(x, b, cid)

    # ---- places, ports, sea
    def add_places(self) -> None:
        s = self.s
        w, so, e, n = self.src.bbox
        for p in self.reg:
            if p["kind"] == "crossing":
                continue
            overseas = bool(p.get("overseas"))
            inside = w <= p["lon"] <= e and so <= p["lat"] <= n
            if not inside and not (p["kind"] == "port"):
                continue
            pid = p["id"]
            self._add_node(pid, p["lon"], p["lat"], p["country"], "place", kind=p["kind"], name=p["name"],
                           location_quality=p.get("location_quality", "surveyed"))
            if not overseas:
                near = [t for t in self._nearest("road", p["country"], p["lon"], p["lat"], k=s.connector_k, gates=True)
                        if t[1] <= s.max_connector_km * 1000]
                if near:
                    limit = max(near[0][1] * s.connector_spread, 2000.0)
                    for target, dist in [t for t in near if t[1] <= limit][: s.connector_k]:
                        self._connector(pid, target, dist, "road")
                        self.report["connectors"].append({"from": pid, "to": target, "mode": "road",
                                                          "country": p["country"], "km": round(dist / 1000, 2)})
                elif inside:
                    self.report["unconnected"].append({"id": pid, "mode": "road", "country": p["country"]})
                terminal = (p["kind"] == "port" or p.get("rail_terminal") or pid in s.rail_terminal_towns)
                if terminal:
                    self._rail_terminal(p)
            if p["kind"] == "port":
                self._port(p)

    def _rail_terminal(self, p: dict) -> None:
        s = self.s
        near = self._nearest("rail", p["country"], p["lon"], p["lat"])
        if not near or near[0][1] > s.max_connector_km * 1000:
            return
        target, dist = near[0]
        for gg, t in self._rail_layers(target):
            attrs = {"mode": "transfer", "transfer": "rail-terminal", "length": dist, "speed_kph": s.connector_speed_kph,
                     "travel_time": s.rail_terminal_h * 3600.0 + dist / 1000.0 / s.connector_speed_kph * 3600.0,
                     "cost_usd_t": s.rail_terminal_usd_t + dist / 1000.0 * s.cost_usd_per_tkm["connector"],
                     "penalty_s": 0.0, "status": "open", "synthetic": dist > 0, "source": "registry",
                     "gauge_mm": gg, "place_id": p["id"]}
            if p["kind"] == "port":
                attrs["port_id"] = p["id"]
            self.g.add_edge(p["id"], t, **attrs)
            self.g.add_edge(t, p["id"], **attrs)
            self.report["connectors"].append({"from": p["id"], "to": t, "mode": "rail", "country": p["country"],
                                              "km": round(dist / 1000, 2)})

    def _port(self, p: dict) -> None:
        s = self.s
        sid = f"sea:{p['id']}"
        self._add_node(sid, p["lon"], p["lat"], p["country"], "sea", port_id=p["id"])
        attrs = {"mode": "transfer", "transfer": "port", "port_id": p["id"], "length": 0.0, "speed_kph": 0.0,
                 "travel_time": s.port_handling_h * 3600.0, "cost_usd_t": s.port_handling_usd_t, "penalty_s": 0.0,
                 "status": "open", "synthetic": False, "source": "registry", "ice": bool(p.get("ice"))}
        self.g.add_edge(p["id"], sid, **attrs)
        self.g.add_edge(sid, p["id"], **attrs)

    def add_sea(self, lanes: list[dict]) -> None:
        s = self.s
        speed = s.sea_speed_knots * 1.852 * s.speed_factor.get("sea", 1.0)
        for lane in lanes:
            a, b = f"sea:{lane['from']}", f"sea:{lane['to']}"
            if a not in self.g or b not in self.g:
                continue
            coords = [tuple(c) for c in lane["coords"]]
            for x, y, cs in ((a, b, coords), (b, a, coords[::-1])):
                geom = LineString(cs) if len(cs) > 1 else LineString([cs[0], cs[0]])
                self.g.add_edge(x, y, **_line_attrs("sea", lane["km"] * 1000.0, speed, s, source="searoute", geometry=geom))

    def add_ferries(self) -> None:
        """OSM ``route=ferry`` ways as sea edges; their ends join the road network.

        A ferry end that is also a road node is that node; any other end gets
        a node of its own on the sea layer and a synthetic connector to the
        nearest road node of its country.
        """
        f = self.src.ferry
        if f is None or not f.number_of_edges():
            return
        s = self.s
        tag_countries(f)
        speed = s.sea_speed_knots * 1.852 * s.speed_factor.get("sea", 1.0)
        ends: dict[Any, str] = {}

        def node(n: Any) -> str:
            if n in ends:
                return ends[n]
            d = f.nodes[n]
            nid = f"road:{n}" if f"road:{n}" in self.g else f"ferry:{n}"
            if nid.startswith("ferry:"):
                self._add_node(nid, d["x"], d["y"], d["country"], "sea")
                near = self._nearest("road", d["country"], d["x"], d["y"])
                if near and near[0][1] <= s.max_connector_km * 1000:
                    self._connector(nid, near[0][0], near[0][1], "road")
                    self.report["connectors"].append({"from": nid, "to": near[0][0], "mode": "road",
                                                      "country": d["country"], "km": round(near[0][1] / 1000, 2)})
            ends[n] = nid
            return nid

        count = 0
        for u, v, k, d in f.edges(keys=True, data=True):
            cu, cv = f.nodes[u]["country"], f.nodes[v]["country"]
            if cu != cv:
                # an international ferry would cross a border with no dwell, fee or
                # status: international sea legs go port to port over the registry
                self._border_edge("ferry", u, v, f.nodes[u], f.nodes[v], d, {})
                continue
            tags = {t: d[t] for t in ("name", "ref", "osmid", "geometry", "duration") if d.get(t) is not None}
            attrs = _line_attrs("sea", d["length"], speed, s, source=self.edge_source, ferry=True, **tags)
            hours = parse_duration_h(d.get("duration"))
            if hours:  # the timetable's crossing time beats a speed guess
                attrs["travel_time"] = hours * 3600.0 / s.speed_factor.get("sea", 1.0)
                attrs["speed_kph"] = d["length"] / 1000.0 / (attrs["travel_time"] / 3600.0)
            self.g.add_edge(node(u), node(v), **attrs)
            count += 1
        self.report["ferry_edges"] = count

    def summarize(self) -> None:
        rep = self.report
        per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        layer_of = dict(self.g.nodes(data="layer"))
        index = {layer: {n: i for i, n in enumerate(n for n, lay in layer_of.items() if lay == layer)}
                 for layer in ("road", "rail")}
        pairs: dict[str, list[tuple[int, int]]] = {"road": [], "rail": []}
        scenario_keys = []
        for u, v, k, d in self.g.edges(keys=True, data=True):  # one pass over every edge
            mode = d["mode"]
            if mode == "crossing":
                per[d["crossing_id"]][d["crossing_mode"]] += 1
            if mode == "crossing" or (mode == "transfer" and (d.get("crossing_id") or d.get("port_id"))):
                scenario_keys.append((u, v, k))
            lay = layer_of[u]
            if lay in pairs and layer_of[v] == lay:
                pairs[lay].append((index[lay][u], index[lay][v]))
        rep["crossing_edges"] = {cid: dict(m) for cid, m in per.items()}
        self.scenario_keys = scenario_keys
        comps = {}
        for layer, ids in index.items():
            a = np.array(pairs[layer], dtype=np.int64).reshape(-1, 2)
            m = coo_matrix((np.ones(len(a)), (a[:, 0], a[:, 1])), shape=(len(ids), len(ids)))
            n_comp, labels = connected_components(m, directed=True, connection="weak")
            sizes = np.bincount(labels) if len(ids) else np.array([], dtype=int)
            comps[layer] = {"components": int(n_comp) if len(ids) else 0, "largest": int(sizes.max()) if len(ids) else 0}
        rep["components"] = comps
        rep["dropped_count"] = len(rep["dropped_border_edges"])
        rep["synthetic_km"] = round(sum(c["km"] for c in rep["connectors"]), 1)


@functools.lru_cache(maxsize=8)
def _cached_snapshot_network(region: str, geodata: str, s: Settings) -> CorridorNetwork:
    return build(load_snapshot(region), load_registry(), s)


def build(src: SourceNetworks, registry: Registry | None = None, s: Settings = settings_mod.DEFAULTS,
          sea_lanes: list[dict] | None = None) -> CorridorNetwork:
    """Assemble the multimodal network from one source's land networks.

    Parameters
    ----------
    src : SourceNetworks
        Land networks from the snapshot, live OSM or an OSM file.
    registry : Registry, optional
        Crossings, ports and places (default: the embedded registry).
    s : Settings
        Speeds, dwell times and costs.
    sea_lanes : list of dict, optional
        Sea lanes (default: the stored searoute lanes).

    Examples
    --------
    >>> from corridor.sources.snapshot import load_snapshot
    >>> net = build(load_snapshot("tumen"))
    >>> net.report["crossing_edges"]["quanhe-wonjong"]
    {'road': 2}
    """
    registry = registry or load_registry()
    b = _Builder(src, registry, s)
    with paused_gc():
        b.add_road()
        b.add_rail()
        b.add_crossings()
        b.add_places()
        b.add_sea(load_sea_lanes() if sea_lanes is None else sea_lanes)
        b.add_ferries()
        b.summarize()
        net = CorridorNetwork(graph=b.g, registry=registry, source=src.source, region=src.region, bbox=src.bbox,
                              detail=src.detail, settings=s, report=b.report, meta=dict(src.meta))
        # planned crossings take their status from the scenario pass; the graph is
        # new, so no copy is needed here
        net.meta["scenario_edges"] = b.scenario_keys
        _set_scenario(net.graph, s, BASELINE, b.scenario_keys)
    return net


def build_network(region: str = settings_mod.DEFAULT_REGION, source: str = "auto",
                  s: Settings = settings_mod.DEFAULTS) -> CorridorNetwork:
    """The network of a region preset from the best available source.

    ``source="auto"`` uses OSM graphs saved by ``corridor fetch`` for the
    region when present, else the embedded snapshot; ``"snapshot"`` and
    ``"osm"`` choose explicitly.

    Examples
    --------
    >>> net = build_network("tumen", source="snapshot")
    >>> net.source
    'snapshot'
    """
    if source not in ("auto", "snapshot", "osm"):
        raise InputError(f"unknown source {source!r}; valid: auto, snapshot, osm")
    if source in ("auto", "osm"):
        try:
            from corridor.sources import osm
        except ImportError:  # pragma: no cover - osm support is part of the package
            osm = None
        saved = osm.load_saved(region) if osm is not None else None
        if saved is not None:
            return build(saved, load_registry(), s)
        if source == "osm":
            raise InputError(f"no OSM data saved for region {region!r}; run `corridor fetch --region {region}` first")
    if region not in settings_mod.REGIONS:
        raise InputError(f"unknown region {region!r}; valid: {', '.join(settings_mod.REGIONS)}")
    return _cached_snapshot_network(region, str(settings_mod.GEODATA_DIR), s)


# --------------------------------------------------------------------------- scenarios

def scenario_targets(registry: Registry) -> list[str]:
    """Registry ids a scenario may close or open: crossings and ports."""
    return registry.ids("crossing") + registry.ids("port")


def apply_scenario(net: CorridorNetwork, scenario: Scenario) -> CorridorNetwork:
    """A new network with ``scenario`` applied; ``net`` is not changed.

    Examples
    --------
    >>> from corridor.scenario import Scenario
    >>> base = build_network("tumen")
    >>> closed = apply_scenario(base, Scenario(close=("quanhe-wonjong",)))
    >>> {d["status"] for *_, d in closed.graph.edges(data=True) if d.get("crossing_id") == "quanhe-wonjong" and d["mode"] == "crossing"}
    {'closed'}
    >>> {d["status"] for *_, d in base.graph.edges(data=True) if d.get("crossing_id") == "quanhe-wonjong" and d["mode"] == "crossing"}
    {'open'}
    """
    reg = net.registry
    valid = scenario_targets(reg)
    for pid in set(scenario.close) | set(scenario.open):
        if pid not in valid:
            raise InputError(f"cannot close or open {pid!r}: not a crossing or port; valid: {', '.join(valid)}")
    for what, table in (("dwell", scenario.dwell), ("fee", scenario.fee)):
        for pid in table:
            if pid not in reg.ids("crossing"):
                raise InputError(f"--{what} {pid!r}: not a crossing; valid: {', '.join(reg.ids('crossing'))}")
    g = net.graph.copy()
    _set_scenario(g, net.settings, scenario, net.meta.get("scenario_edges"))
    return replace(net, graph=g, scenario=scenario)


def _set_scenario(g: nx.MultiDiGraph, s: Settings, scenario: Scenario,
                  keys: list[tuple] | None = None) -> None:
    """Statuses, dwell, fees and speeds of ``scenario`` on graph ``g``, in place.

    ``keys`` lists the crossing and port edges (known from the build); without
    speed factors only they can change, so only they are visited.
    """
    iced = scenario.month is not None and scenario.month in s.ice_months
    if keys is not None and not scenario.speed_factor:
        edges = ((u, v, k, g.edges[u, v, k]) for u, v, k in keys)
    else:
        edges = g.edges(keys=True, data=True)
    for u, v, k, d in edges:
        cid = d.get("crossing_id") if d["mode"] == "crossing" or d.get("transfer") == "gauge" else None
        pid = d.get("port_id") if d["mode"] == "transfer" else None
        target = cid or pid
        if target is None and not scenario.speed_factor:
            continue
        d = dict(d)  # g.copy() gave each edge its own dict; edit a draft, write it back
        if cid:
            base = d.get("registry_status", "open")
            status = "open" if base == "open" else "closed"
            if cid in scenario.close:
                status = "closed"
            elif cid in scenario.open:
                status = "open"
            d["status"] = status
            if d["mode"] == "crossing":
                if cid in scenario.dwell:
                    d["dwell_s"] = scenario.dwell[cid] * 3600.0
                    d["travel_time"] = d["dwell_s"]
                if cid in scenario.fee:
                    d["cost_usd_t"] = float(scenario.fee[cid])
        if pid:
            status = "open"
            if (d.get("ice") and iced) or pid in scenario.close:
                status = "closed"
            if pid in scenario.open:
                status = "open"
            d["status"] = status
        f = scenario.speed_factor.get(d["mode"])
        if f and d.get("speed_kph"):
            d["speed_kph"] = d["speed_kph"] * f
            d["travel_time"] = d["length"] / 1000.0 / d["speed_kph"] * 3600.0
        g.edges[u, v, k].update(d)
