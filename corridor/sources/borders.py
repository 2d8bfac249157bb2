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
