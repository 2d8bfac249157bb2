"""The embedded offline snapshot: road and rail graphs per region preset.

Built by :mod:`corridor.sources.build` from scgraph-data's OSM-derived world
graphs; stored as compact JSON under ``geodata/snapshot/<region>.json``.

Examples
--------
>>> from corridor.sources.snapshot import load_snapshot
>>> src = load_snapshot("tumen")
>>> src.source, src.road.number_of_nodes() > 100
('snapshot', True)
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from corridor import settings
from corridor.errors import InputError
from corridor.sources import SourceNetworks

DETAIL = ("schematic: scgraph-data's simplified OSM-derived graphs, straight segments, "
          "no road classes, names or one-way streets, coordinates to ~100 m")


def snapshot_path(region: str, geodata: Path | None = None) -> Path:
    """Path of a region's snapshot file; raises InputError for unknown regions."""
    if region not in settings.REGIONS:
        raise InputError(f"unknown region {region!r}; valid: {', '.join(settings.REGIONS)}")
    return (geodata or settings.GEODATA_DIR) / "snapshot" / f"{region}.json"


def _graph(block: dict, mode: str) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:4326", name=f"snapshot {mode}")
    g.add_nodes_from((i, {"x": x, "y": y, "country": c}) for i, (x, y, c) in enumerate(block["nodes"]))
    tag = {} if mode == "road" else {"railway": "rail"}
    # the snapshot is undirected: one edge each way, each with its own attribute dict
    add = g.add_edge
    for u, v, km in block["edges"]:
        add(u, v, key=0, length=km * 1000.0, **tag)  # one edge per pair: key 0
        add(v, u, key=0, length=km * 1000.0, **tag)
    return g


def load_snapshot(region: str = settings.DEFAULT_REGION, geodata: Path | None = None) -> SourceNetworks:
    """Load one region preset of the embedded snapshot as :class:`SourceNetworks`."""
    from corridor.network import paused_gc

    path = snapshot_path(region, geodata)
    doc = json.loads(path.read_text(encoding="utf-8"))
    with paused_gc():
        road, rail = _graph(doc["modes"]["road"], "road"), _graph(doc["modes"]["rail"], "rail")
    return SourceNetworks(
        source="snapshot",
        region=region,
        bbox=tuple(doc["bbox"]),
        road=road,
        rail=rail,
        ferry=None,
        detail=DETAIL,
        meta={"file": str(path), "from": doc["source"]},
    )
