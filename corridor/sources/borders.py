"""Country of a point, from the Natural Earth borders stored in geodata/borders.geojson.

Examples
--------
>>> from corridor.sources.borders import country_of
>>> country_of([130.366, 130.30, 131.88], [42.863, 42.25, 43.12])
['CN', 'KP', 'RU']
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from corridor import settings


@functools.lru_cache(maxsize=4)
def _borders(path: str) -> tuple[list[str], shapely.STRtree, list]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    codes = [f["properties"]["country"] for f in doc["features"]]
    geoms = [shape(f["geometry"]) for f in doc["features"]]
    return codes, shapely.STRtree(geoms), geoms


def borders_path(geodata: Path | None = None) -> Path:
    return (geodata or settings.GEODATA_DIR) / "borders.geojson"


def country_of(lon, lat, geodata: Path | None = None) -> list[str]:
    """ISO alpha-2 code of the country each point lies in (nearest country off the coast)."""
    codes, tree, _ = _borders(str(borders_path(geodata)))
    pts = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return [codes[i] for i in tree.nearest(pts)]


def tag_countries(graph, geodata: Path | None = None) -> None:
    """Set ``country`` on every node of an OSMnx-style graph that lacks one (in place)."""
    todo = [n for n, d in graph.nodes(data=True) if not d.get("country")]
    if not todo:
        return
    xs = [graph.nodes[n]["x"] for n in todo]
    ys = [graph.nodes[n]["y"] for n in todo]
    for n, c in zip(todo, country_of(xs, ys, geodata)):
        graph.nodes[n]["country"] = c


def smooth_countries(graph, max_km: float = 3.0, geodata: Path | None = None) -> list[dict]:
    """Fix nodes that generalised borders put on the wrong side (in place).

    Natural Earth 1:10m draws river borders such as the Tumen coarsely, so a
    track along one bank can have a node or two on the other side. A node
    whose neighbours all lie in one other country, and that is within
    ``max_km`` of its own country's border, takes their country. Returns what
    was changed, for the network report.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node(1, x=130.28, y=42.69, country="KP"); g.add_node(2, x=130.287, y=42.693, country="CN")
    >>> g.add_node(3, x=130.23, y=42.72, country="KP"); _ = g.add_edges_from([(1, 2), (2, 1), (2, 3), (3, 2)])
    >>> [c["node"] for c in smooth_countries(g)], g.nodes[2]["country"]
    ([2], 'KP')
    """
    codes, _, geoms = _borders(str(borders_path(geodata)))
    by_code = dict(zip(codes, geoms))
    changed = []
    country = dict(graph.nodes(data="country"))
    # only nodes with a neighbour across a border can need fixing
    suspects = {n for u, v in graph.edges() if country[u] != country[v] for n in (u, v)}
    for n in suspects:
        d = graph.nodes[n]
        nbrs = set(graph.predecessors(n)) | set(graph.successors(n))
        if len(nbrs) < 2:
            continue
        others = {country[m] for m in nbrs}
        if len(others) != 1 or d["country"] in others:
            continue
        other = others.pop()
        own = by_code.get(d["country"])
        if own is None:
            continue
        # degrees to km, roughly (a generous bound is all that is needed)
        km = shapely.distance(own.boundary, shapely.Point(d["x"], d["y"])) * 111.0
        if km <= max_km:
            changed.append({"node": n, "from": d["country"], "to": other, "km_to_border": round(float(km), 2)})
    for c in changed:
        graph.nodes[c["node"]]["country"] = c["to"]
    return changed
