"""Small geodesy helpers shared by the network builder, reach and routes.

Examples
--------
>>> round(float(haversine_m(130.366, 42.863, 130.523, 42.568)) / 1000, 1)
35.2
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (arrays broadcast)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def local_crs(lon: float, lat: float) -> CRS:
    """An equal-area (Lambert azimuthal) CRS centred on a point, metres."""
    return CRS.from_proj4(f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m +no_defs")


def point_segment_m(px, py, ax, ay, bx, by):
    """Distance in metres from points P to segments AB (small-area planar approximation)."""
    k = np.cos(np.radians(np.asarray(py, dtype=float)))
    m = EARTH_RADIUS_M * np.pi / 180
    pxm, axm, bxm = px * k * m, ax * k * m, bx * k * m
    pym, aym, bym = py * m, ay * m, by * m
    dx, dy = bxm - axm, bym - aym
    L2 = dx * dx + dy * dy
    t = np.where(L2 > 0, ((pxm - axm) * dx + (pym - aym) * dy) / np.where(L2 > 0, L2, 1), 0.0)
    t = np.clip(t, 0, 1)
    return np.hypot(axm + t * dx - pxm, aym + t * dy - pym)
