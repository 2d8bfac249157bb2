"""The whole-world scgraph-data graphs as arrays: the scale input for benchmarks.

``load_world_arrays("road")`` gives 560,282 nodes and both directions of
826,106 edges. The first call converts the package's Python literals and
caches NumPy arrays under the cache folder (written atomically); later calls
read the cache.

Examples
--------
Not run as a doctest (converts a 36 MB package on first use)::

    from corridor.sources.world import load_world_arrays
    lonlat, u, v, km = load_world_arrays("road")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corridor import settings
from corridor.io import write_with


def _from_package(mode: str):
    if mode == "road":
        from scgraph_data.world_highways import world_highways_geograph as g
    elif mode == "rail":
        from scgraph_data.world_railways import world_railways_geograph as g
    else:
        raise ValueError(f"unknown world graph {mode!r}; valid: road, rail")
    lonlat = np.asarray(g.nodes, dtype=float)[:, ::-1].copy()
    counts = np.fromiter((len(nb) for nb in g.graph), dtype=np.int64, count=len(g.graph))
    u = np.repeat(np.arange(len(g.graph), dtype=np.int64), counts)
    v = np.fromiter((j for nb in g.graph for j in nb), dtype=np.int64, count=int(counts.sum()))
    km = np.fromiter((w for nb in g.graph for w in nb.values()), dtype=float, count=int(counts.sum()))
    return lonlat, u, v, km


def load_world_arrays(mode: str = "road", cache_dir: Path | None = None, use_cache: bool = True):
    """``(lonlat, u, v, km)`` of a world graph; edges listed in both directions."""
    cache = (cache_dir or settings.CACHE_DIR) / f"world_{mode}.npz"
    if use_cache and cache.exists():
        with np.load(cache) as z:
            return z["lonlat"], z["u"], z["v"], z["km"]
    lonlat, u, v, km = _from_package(mode)
    if use_cache:
        write_with(cache, lambda tmp: np.savez(tmp, lonlat=lonlat, u=u, v=v, km=km))
    return lonlat, u, v, km
