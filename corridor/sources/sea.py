"""Sea lanes between registry ports (searoute over MARNET, stored in the snapshot).

Examples
--------
>>> from corridor.sources.sea import load_sea_lanes
>>> lanes = load_sea_lanes()
>>> {"from", "to", "km"} <= set(lanes[0])
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corridor import settings


def load_sea_lanes(geodata: Path | None = None) -> list[dict[str, Any]]:
    """Every stored lane as ``{"from", "to", "km", "coords", "source"}``, one per port pair."""
    path = (geodata or settings.GEODATA_DIR) / "snapshot" / "sea.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [{**f["properties"], "coords": f["geometry"]["coordinates"]} for f in doc["features"]]
