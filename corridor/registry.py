"""Parks, crossings, ports and towns: load and validate ``geodata/registry/*.geojson``.

Every entry is one GeoJSON Feature with a Point and an ``id`` that is stable,
readable and unique across all files. Entries carry ``name``, ``kind``
(``park``, ``crossing``, ``port``, ``town``), ``source`` and, where the
position is not surveyed, ``location_quality: "approximate"``. Crossings add
``countries``, ``modes``, ``status`` and optional ``dwell_h`` and
``fee_usd_t`` (default: the settings' World Bank figures), ``hours``,
``length_m`` and ``gauge_change_country``.

A broken file raises :class:`corridor.errors.RegistryError` whose one-line
message names the file, the entry and the problem.

Examples
--------
>>> from corridor.registry import load_registry
>>> reg = load_registry()
>>> reg["quanhe-wonjong"]["modes"]
['road']
>>> sorted(reg.places().query("kind == 'park'").id)[:2]
['park-epz', 'park-hbecz']
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from corridor import settings
from corridor.errors import InputError, RegistryError

KINDS = ("park", "crossing", "port", "town")
STATUSES = ("open", "closed", "planned")
CROSSING_MODES = ("road", "rail")
LOCATION_QUALITIES = ("approximate", "surveyed")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: the registry files, in load order
FILES = ("parks.geojson", "crossings.geojson", "ports.geojson", "towns.geojson")


class Registry:
    """The validated registry entries, by id, in file order.

    Each entry is a plain dict of the Feature's properties plus ``lon``,
    ``lat`` and ``file``.
    """

    def __init__(self, entries: list[dict[str, Any]], folder: Path):
        self.folder = folder
        self._by_id = {e["id"]: e for e in entries}

    def __getitem__(self, pid: str) -> dict[str, Any]:
        try:
            return self._by_id[pid]
        except KeyError:
            raise InputError(f"unknown place {pid!r}; valid ids: {', '.join(self._by_id)}") from None

    def __contains__(self, pid: object) -> bool:
        return pid in self._by_id

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self, kind: str | None = None) -> list[str]:
        """Ids of all entries, or of one kind."""
        return [e["id"] for e in self if kind is None or e["kind"] == kind]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Entries of one kind, in file order."""
        return [e for e in self if e["kind"] == kind]

    def places(self, kind: str | None = None) -> gpd.GeoDataFrame:
        """All entries (or one kind) as a GeoDataFrame in EPSG:4326.

        Columns: ``id``, ``name``, ``kind``, ``country``, ``lon``, ``lat``,
        ``location_quality``, ``source``, ``geometry``; list-valued fields
        (``countries``, ``modes``) are joined with ``;``.
        """
        rows = []
        for e in self:
            if kind is not None and e["kind"] != kind:
                continue
            row = {k: (";".join(v) if isinstance(v, list) else v) for k, v in e.items() if k != "file"}
            row.setdefault("location_quality", "surveyed")
            rows.append(row)
        cols = ["id", "name", "kind", "country", "lon", "lat", "location_quality", "source"]
        df = pd.DataFrame(rows)
        for c in cols:
            if c not in df:
                df[c] = None
        df = df[cols + [c for c in df.columns if c not in cols]]
        return gpd.GeoDataFrame(df, geometry=[Point(x, y) for x, y in zip(df.lon, df.lat)], crs="EPSG:4326")


def _fail(path: Path, entry: str, problem: str) -> RegistryError:
    return RegistryError(f"{path}: entry {entry}: {problem}")


def _validate(feature: Any, index: int, path: Path) -> dict[str, Any]:
    label = f"#{index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _fail(path, label, "not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise _fail(path, label, "has no properties object")
    pid = props.get("id")
    if not isinstance(pid, str) or not ID_PATTERN.match(pid):
        raise _fail(path, label, f"id {pid!r} is missing or invalid (lowercase letters, digits and '-')")
    label = repr(pid)
    geom = feature.get("geometry")
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        raise _fail(path, label, "geometry must be a Point with [lon, lat]")
    if (not isinstance(coords, list) or len(coords) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords)):
        raise _fail(path, label, f"missing or invalid coordinate {coords!r}; expected [lon, lat] numbers")
    lon, lat = float(coords[0]), float(coords[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _fail(path, label, f"coordinate {coords!r} out of range (lon -180..180, lat -90..90)")
    for key in ("name", "source"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise _fail(path, label, f"missing {key!r} (a non-empty string)")
    kind = props.get("kind")
    if kind not in KINDS:
        raise _fail(path, label, f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    lq = props.get("location_quality")
    if lq is not None and lq not in LOCATION_QUALITIES:
        raise _fail(path, label, f"unknown location_quality {lq!r}; valid: {', '.join(LOCATION_QUALITIES)}")
    if kind == "crossing":
        countries = props.get("countries")
        if (not isinstance(countries, list) or len(countries) != 2 or len(set(countries)) != 2
                or not all(isinstance(c, str) and len(c) == 2 and c.isupper() for c in countries)):
            raise _fail(path, label, f"countries {countries!r} must be two different ISO alpha-2 codes")
        modes = props.get("modes")
        if not isinstance(modes, list) or not modes:
            raise _fail(path, label, f"modes {modes!r} must be a non-empty list; valid: {', '.join(CROSSING_MODES)}")
        for m in modes:
            if m not in CROSSING_MODES:
                raise _fail(path, label, f"unknown mode {m!r}; valid: {', '.join(CROSSING_MODES)}")
        for key in ("dwell_h", "fee_usd_t"):  # optional: the settings' defaults apply when missing
            v = props.get(key)
            if v is None:
                continue
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise _fail(path, label, f"{key} {v!r} must be a number >= 0")
        if props.get("status") not in STATUSES:
            raise _fail(path, label, f"unknown status {props.get('status')!r}; valid: {', '.join(STATUSES)}")
        gcc = props.get("gauge_change_country")
        if gcc is not None and gcc not in countries:
            raise _fail(path, label, f"gauge_change_country {gcc!r} must be one of {countries}")
        props.setdefault("country", countries[0])
    else:
        cc = props.get("country")
        if not isinstance(cc, str) or len(cc) != 2 or not cc.isupper():
            raise _fail(path, label, f"country {cc!r} must be an ISO alpha-2 code")
    return {**props, "lon": lon, "lat": lat, "file": path.name}


def load_file(path: Path) -> list[dict[str, Any]]:
    """Read and validate one registry file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: entry -: invalid JSON ({exc})") from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise RegistryError(f"{path}: entry -: not a GeoJSON FeatureCollection")
    return [_validate(f, i, path) for i, f in enumerate(feats)]


def load_registry(folder: str | Path | None = None) -> Registry:
    """Load every registry file in ``folder`` (default ``geodata/registry``).

    Raises
    ------
    RegistryError
        Invalid JSON, a missing coordinate, an unknown kind or mode, a duplicate id.
    """
    folder = Path(folder) if folder is not None else settings.GEODATA_DIR / "registry"
    entries: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for name in FILES:
        path = folder / name
        for e in load_file(path):
            if e["id"] in seen:
                raise _fail(path, repr(e["id"]), f"duplicate id (also in {seen[e['id']]})")
            seen[e["id"]] = name
            entries.append(e)
    return Registry(entries, folder)
