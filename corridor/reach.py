"""Logistics reach: multi-band isochrones by time or cost, and the places reached.

One Dijkstra per origin answers every band: the bands are cut from the same
tree. A band's polygon is built from the reachable parts of land edges (an
edge reached part-way contributes the part that fits the band), buffered and
merged in an equal-area projection: no convex hull swallowing sea and
foreign land the network never reaches. Places reached over sea legs
(overseas ports) are included as points with the same buffer.

Examples
--------
>>> from corridor.network import build_network
>>> from corridor.reach import reach
>>> r = reach(build_network("tumen"), ["park-hbecz"], bands=[2, 8])
>>> list(r.polygons.columns[:4])
['origin', 'band', 'metric', 'hours']
>>> bool((r.polygons.area_km2.diff().dropna() > 0).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from corridor import settings as settings_mod
from corridor.engine import ALL_MODES, Engine, SearchResult, edge_data, engine_for
from corridor.errors import InputError
from corridor.geo import haversine_m, local_crs
from corridor.io import write_with
from corridor.network import CorridorNetwork
from corridor.paths import summarize_path

#: edge modes whose reachable parts make up reach polygons
POLYGON_MODES = ("road", "rail", "connector", "crossing")
PLACE_KINDS = ("park", "town", "port")


def parse_point(text: str) -> tuple[float, float] | None:
    """``"lat,lon"`` → (lon, lat), or None if ``text`` is not a coordinate pair."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{text!r}: latitude must be -90..90 and longitude -180..180 (give lat,lon)")
    return lon, lat


def resolve_place(net: CorridorNetwork, engine: Engine, text: str) -> tuple[Hashable, str, float]:
    """A node for a registry id or ``lat,lon``: (node, label, snap distance in m).

    A coordinate snaps to the nearest road node (rail node when roads are not
    among the modes); the distance is reported, never hidden.
    """
    point = parse_point(text)
    if point is None:
        if text not in net.registry:
            valid = [p for p in net.registry.ids() if net.registry[p]["kind"] != "crossing"]
            raise InputError(f"unknown place {text!r}; valid ids: {', '.join(valid)} (or lat,lon)")
        if text not in engine.index:
            raise InputError(f"{text!r} is outside the {net.region} network or not reachable by "
                             f"{', '.join(engine.modes)}; try --region northeast-asia or other --modes")
        return text, text, 0.0
    lon, lat = point
    g = net.graph
    # goods start and end on the road where roads are allowed: snapping onto a
    # rail track would skip the terminal transfer
    layers = ("road",) if "road" in engine.modes else ("rail",)
    cand = [n for n in engine.nodes if g.nodes[n].get("layer") in layers and not str(n).startswith("gate:")]
    # stay in the point's own country: across the Tumen the nearest node is often foreign
    from corridor.sources.borders import country_of

    own = country_of([lon], [lat])[0]
    cand = [n for n in cand if g.nodes[n]["country"] == own] or cand
    if not cand:
        raise InputError(f"no network node for modes {', '.join(engine.modes)} near {text}")
    xs = np.array([g.nodes[n]["x"] for n in cand])
    ys = np.array([g.nodes[n]["y"] for n in cand])
    d = haversine_m(lon, lat, xs, ys)
    i = int(np.argmin(d))
    if d[i] > net.settings.max_connector_km * 1000:
        raise InputError(f"{text} is {d[i] / 1000:.0f} km from the nearest network node "
                         f"(more than {net.settings.max_connector_km:g} km); is it inside region {net.region}?")
    return cand[i], f"{lat:.4f},{lon:.4f}", float(d[i])


def validate_bands(values: Sequence[Any], what: str = "hours") -> tuple[float, ...]:
    """Positive finite thresholds, sorted; InputError otherwise."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputError(f"--{what} {v!r} is not a number; give positive numbers, e.g. --{what} 2 4 8 24") from None
        if not np.isfinite(f) or f <= 0:
            raise InputError(f"--{what} {v!r} must be a positive number, e.g. --{what} 2 4 8 24")
        out.append(f)
    if not out:
        raise InputError(f"--{what} needs at least one positive number")
    return tuple(sorted(set(out)))


@dataclass
class ReachResult:
    """What a reach query returns; every table is a GeoDataFrame in EPSG:4326.

    Attributes
    ----------
    polygons : GeoDataFrame
        One row per origin and band: ``origin``, ``band``, ``metric``,
        ``hours`` or ``cost_usd_t`` (the threshold), ``area_km2``, ``source``.
    places : GeoDataFrame
        Registry places reached within the largest band: ``origin``,
        ``place``, ``name``, ``kind``, ``country``, ``hours``,
        ``cost_usd_t``, ``band``, ``modes``, ``crossings``, ``ports``,
        ``location_quality``.
    origins : GeoDataFrame
        The origins, with snap distance for ``lat,lon`` origins.
    """

    polygons: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    origins: gpd.GeoDataFrame
    network: CorridorNetwork
    metric: str
    bands: tuple[float, ...]
    modes: tuple[str, ...]

    @property
    def data_note(self) -> str:
        return self.network.data_note

    def to_file(self, path: str | Path) -> None:
        """Write the polygons: ``.geojson``, ``.gpkg`` (polygons + places layers) or ``.csv``."""
        write_layers(path, {"reach": self.polygons, "places": self.places}, self.network, self.snap_notes())

    def places_to_csv(self, path: str | Path) -> None:
        write_layers(path, {"places": self.places}, self.network, self.snap_notes())

    def snap_notes(self) -> dict[str, str]:
        """How far each ``lat,lon`` origin was moved onto the network (nothing for registry ids)."""
        snapped = self.origins[self.origins.snap_m > 0]
        return {"snapped": "; ".join(f"{o} moved {m:,.0f} m to the network" for o, m in
                                     zip(snapped.origin, snapped.snap_m))} if len(snapped) else {}


def write_layers(path: str | Path, layers: dict[str, gpd.GeoDataFrame], net: CorridorNetwork,
                 notes: dict[str, str] | None = None) -> None:
    """Write result tables atomically by suffix; attribution and data note travel with them.

    ``.geojson``: the first layer, with ``attribution`` and ``data`` members.
    ``.gpkg``: every layer, plus a ``metadata`` table. ``.csv``: the first
    layer without geometry, with ``# `` comment lines for attribution and data.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    first = next(iter(layers.values()))
    meta = {"attribution": settings_mod.ATTRIBUTION_TEXT, "data": net.data_note, "scenario": net.scenario.label,
            **(notes or {})}
    if suffix == ".geojson":
        import json

        doc = json.loads(first.to_json(drop_id=True))
        doc = {"type": "FeatureCollection", **meta, "features": doc["features"]}
        write_with(path, lambda tmp: tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8"))
    elif suffix == ".gpkg":
        def _w(tmp: Path) -> None:
            for name, gdf in layers.items():
                gdf.to_file(tmp, layer=name, driver="GPKG")
            gpd.GeoDataFrame(pd.DataFrame([meta]), geometry=[None], crs="EPSG:4326").to_file(
                tmp, layer="metadata", driver="GPKG")
        write_with(path, _w)
    elif suffix == ".csv":
        def _c(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                for k, v in meta.items():
                    fh.write(f"# {k}: {v}\n")
                pd.DataFrame(first.drop(columns="geometry")).to_csv(fh, index=False)
        write_with(path, _c)
    else:
        raise InputError(f"{path}: unknown file type {suffix!r}; valid: .geojson, .gpkg, .csv")


class _EdgeGeometry:
    """Projected start/end coordinates of an engine's land edges (cached per engine)."""

    def __init__(self, net: CorridorNetwork, eng: Engine):
        g = net.graph
        keep = []
        for p, (u, v, k) in enumerate(eng.edge_keys):
            if g.edges[u, v, k]["mode"] in POLYGON_MODES:
                keep.append(p)
        self.pos = np.asarray(keep, dtype=np.int64)
        w, s, e, n = net.bbox
        self.crs = local_crs((w + e) / 2, (s + n) / 2)
        self.fwd = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self.inv = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        x = np.array([g.nodes[nd]["x"] for nd in eng.nodes])
        y = np.array([g.nodes[nd]["y"] for nd in eng.nodes])
        self.px, self.py = self.fwd.transform(x, y)


def _geometry_for(net: CorridorNetwork, eng: Engine) -> _EdgeGeometry:
    """The engine's projected edge geometry, built once and kept on the engine itself."""
    geo = getattr(eng, "_reach_geometry", None)
    if geo is None:
        geo = _EdgeGeometry(net, eng)
        eng._reach_geometry = geo
    return geo


def band_geometry(eng: Engine, geo: _EdgeGeometry, value: np.ndarray, edge_value: np.ndarray, band: float,
                  extra_points: list[tuple[float, float]], buffer_m: float):
    """The reachable area of one band (projected CRS), from node values of one origin."""
    pos = geo.pos
    a, b = eng.u[pos], eng.v[pos]
    va = value[a]
    ev = edge_value[pos]
    ok = np.isfinite(va) & (va <= band)
    a, b, va, ev = a[ok], b[ok], va[ok], ev[ok]
    frac = np.where(ev > 0, np.clip((band - va) / np.where(ev > 0, ev, 1), 0, 1), 1.0)
    # an edge reached whole from both ends is one segment, not two
    whole = frac >= 1.0
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    _, first = np.unique(np.stack([lo[whole], hi[whole]], 1), axis=0, return_index=True) if whole.any() else (None, [])
    keep = np.concatenate([np.flatnonzero(whole)[np.asarray(first, dtype=np.int64)], np.flatnonzero(~whole)])
    a, b, frac = a[keep], b[keep], frac[keep]
    x0, y0 = geo.px[a], geo.py[a]
    x1 = x0 + frac * (geo.px[b] - x0)
    y1 = y0 + frac * (geo.py[b] - y0)
    coords = np.stack([np.stack([x0, y0], -1), np.stack([x1, y1], -1)], 1)
    parts = [shapely.linestrings(coords)] if len(coords) else []
    if extra_points:
        parts.append(shapely.points(np.asarray(extra_points)))
    if not parts:
        return shapely.Polygon()
    # buffering each piece and merging is ~50x faster than buffering one big
    # multilinestring (GEOS nodes every overlap of the latter)
    geom = shapely.union_all(shapely.buffer(np.concatenate(parts), buffer_m, quad_segs=4))
    return shapely.simplify(geom, buffer_m / 5)


def _path_summary(net: CorridorNetwork, res: SearchResult, row: int, target: Hashable) -> dict[str, str]:
    """Modes, crossings and ports on the way to ``target`` (as in route comparisons)."""
    pos = res.path_positions(row, target) or []
    nodes = res.path_nodes(row, target) or [target]
    summ = summarize_path(net, nodes, edge_data(res.engine, net.graph, pos))
    return {"modes": summ["modes"].replace("+", ";"), "crossings": summ["crossings"], "ports": summ["ports"]}


def reach(net: CorridorNetwork, origins: Sequence[str], bands: Sequence[float] | None = None, metric: str = "time",
          modes: Sequence[str] = ALL_MODES, buffer_m: float | None = None) -> ReachResult:
    """How far goods get from each origin within each band.

    Parameters
    ----------
    net : CorridorNetwork
        Base network or a scenario of it.
    origins : list of str
        Registry ids or ``"lat,lon"`` strings.
    bands : list of float
        Hours (``metric="time"``) or USD per tonne (``metric="cost"``);
        default from settings.
    metric : {"time", "cost"}
    modes : list of str
        Carrier networks allowed: ``road``, ``rail``, ``sea``.

    Returns
    -------
    ReachResult

    Notes
    -----
    Each place is reached along the route the engine chooses, which the
    route-choice penalties at border crossings steer; its hours and cost are
    that route's real totals. A place a few minutes faster over a border can
    therefore be listed with the slightly slower route that avoids the border.
    A ``lat,lon`` origin snaps to the nearest road node; ``origins.snap_m``
    says how far.
    """
    s = net.settings
    if bands is None:
        bands = s.reach_hours if metric == "time" else s.reach_cost_usd_t
    bands = validate_bands(bands, "hours" if metric == "time" else "usd")
    if not origins:
        raise InputError("give at least one origin (--from PARK)")
    buffer_m = s.reach_buffer_m if buffer_m is None else buffer_m
    eng = engine_for(net, metric, modes)
    resolved = [resolve_place(net, eng, o) for o in origins]
    scale = 3600.0 if metric == "time" else 1.0
    limit = max(bands) * scale
    if eng.has_penalty:
        # penalties lengthen search distances, never reported values; a simple
        # path pays each edge's penalty at most once, and only one direction of
        # a crossing, so half the total is a safe widening of the cut-off
        limit += float(np.sum(eng.w - (eng.t if metric == "time" else eng.c))) / 2.0
    res = eng.search([r[0] for r in resolved], limit=limit)
    T, C = res.totals()
    V = T / 3600.0 if metric == "time" else C
    geo = _geometry_for(net, eng)
    edge_value = eng.t / 3600.0 if metric == "time" else eng.c
    g = net.graph
    place_idx = [i for i, nd in enumerate(eng.nodes) if g.nodes[nd].get("layer") == "place"
                 and g.nodes[nd].get("kind") in PLACE_KINDS]

    poly_rows, place_rows = [], []
    for row, (node, label, snap) in enumerate(resolved):
        value = V[row]
        for band in bands:
            pts = [(geo.px[i], geo.py[i]) for i in place_idx if value[i] <= band
                   and g.nodes[eng.nodes[i]]["kind"] == "port"]
            geom = band_geometry(eng, geo, value, edge_value, band, pts, buffer_m)
            poly_rows.append({"origin": label, "band": band, "metric": metric,
                              ("hours" if metric == "time" else "cost_usd_t"): band,
                              "area_km2": round(float(geom.area) / 1e6, 1), "source": net.source,
                              "scenario": net.scenario.label, "geometry": geom})
        for i in place_idx:
            if value[i] <= bands[-1]:
                nd = eng.nodes[i]
                p = net.registry[nd]
                place_rows.append({
                    "origin": label, "place": nd, "name": p["name"], "kind": p["kind"], "country": p["country"],
                    "hours": round(float(T[row, i]) / 3600.0, 2), "cost_usd_t": round(float(C[row, i]), 2),
                    "band": next(b for b in bands if value[i] <= b),
                    **_path_summary(net, res, row, nd),
                    "location_quality": p.get("location_quality", "surveyed"),
                    "geometry": shapely.Point(p["lon"], p["lat"]),
                })

    polys = gpd.GeoDataFrame(poly_rows, geometry="geometry", crs=geo.crs).to_crs("EPSG:4326")
    sort_key = "hours" if metric == "time" else "cost_usd_t"
    place_cols = ["origin", "place", "name", "kind", "country", "hours", "cost_usd_t", "band", "modes",
                  "crossings", "ports", "location_quality", "geometry"]
    places = gpd.GeoDataFrame(pd.DataFrame(place_rows, columns=place_cols), geometry="geometry", crs="EPSG:4326")
    places = places.sort_values(["origin", sort_key], kind="stable").reset_index(drop=True)
    origin_rows = [{"origin": label, "node": str(node), "snap_m": round(snap, 1),
                    "geometry": shapely.Point(g.nodes[node]["x"], g.nodes[node]["y"])} for node, label, snap in resolved]
    origins_gdf = gpd.GeoDataFrame(origin_rows, geometry="geometry", crs="EPSG:4326")
    return ReachResult(polygons=polys, places=places, origins=origins_gdf, network=net, metric=metric,
                       bands=bands, modes=tuple(sorted(set(modes))))
