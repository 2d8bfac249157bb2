"""Where networks come from: the embedded snapshot, live OSM (OSMnx), sea lanes.

Every source hands :mod:`corridor.network` one :class:`SourceNetworks`: an
OSMnx-style ``networkx.MultiDiGraph`` per land mode plus what it knows about
its own fidelity. The graphs follow OSMnx conventions: graph attribute
``crs``; nodes carry ``x`` (lon), ``y`` (lat) and, when the source knows it,
``country`` (ISO alpha-2); edges carry ``length`` in metres and whatever OSM
tags the source has (``highway``, ``maxspeed``, ``oneway``, ``railway``,
``gauge``, ``usage``, ``service``, ``name``, ``ref``, ``geometry``). A source
that has no tags (the snapshot) simply leaves them out; the network builder
falls back to per-country defaults from :mod:`corridor.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx


@dataclass
class SourceNetworks:
    """Raw land networks of one region from one source.

    Attributes
    ----------
    source : str
        ``"snapshot"``, ``"osm"`` (live Overpass through OSMnx) or ``"osm-file"``.
    region : str
        Region preset name or ``"W,S,E,N"``.
    bbox : tuple
        (west, south, east, north) in degrees.
    road, rail : networkx.MultiDiGraph
        OSMnx-style graphs (see module docstring). Undirected sources add
        both directions.
    ferry : networkx.MultiDiGraph or None
        ``route=ferry`` ways, if the source has them; they become sea edges.
    detail : str
        One line on how detailed the data is, shown to users.
    meta : dict
        Anything else worth reporting (fetch time, Overpass URL, counts).
    """

    source: str
    region: str
    bbox: tuple[float, float, float, float]
    road: nx.MultiDiGraph
    rail: nx.MultiDiGraph
    ferry: nx.MultiDiGraph | None = None
    detail: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
