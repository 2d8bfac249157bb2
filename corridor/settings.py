"""Every default of corridor in one place.

Speeds, dwell times, fees, handling times, costs, regions and paths live here,
each with the source it comes from or marked as an assumption. Nothing else in
the package hard-codes a number that a user might want to change: pass a
:class:`Settings` (or a TOML profile, see :func:`load_profile`) instead.

Examples
--------
>>> from corridor import settings
>>> settings.DEFAULTS.rail_speed_kph["RU"]
40.9
>>> s = settings.DEFAULTS.replace(sea_speed_knots=12.0)
>>> s.sea_speed_knots
12.0
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
#: the embedded data shipped with the project (snapshot, registry, provenance)
GEODATA_DIR = Path(os.environ.get("CORRIDOR_GEODATA", PACKAGE_DIR.parent / "geodata"))
#: where commands write by default
OUTPUTS_DIR = Path(os.environ.get("CORRIDOR_OUTPUTS", Path.cwd() / "outputs"))
#: OSM graphs saved by `corridor fetch` (one folder per region)
OSM_DIR = Path(os.environ.get("CORRIDOR_OSM_DIR", GEODATA_DIR / "osm"))
#: Leaflet and plugin JS/CSS unpacked from npm (``python -m corridor.assets install``)
ASSETS_DIR = Path(os.environ.get("CORRIDOR_ASSETS", PACKAGE_DIR.parent / ".cache" / "corridor-assets"))
#: raw downloads (Overpass responses) and compiled arrays
CACHE_DIR = Path(os.environ.get("CORRIDOR_CACHE", Path.home() / ".cache" / "corridor"))

#: region presets: name -> (west, south, east, north) in degrees
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "tumen": (129.3, 41.9, 131.95, 43.9),
    "northeast-asia": (120.0, 38.0, 135.0, 48.0),
}
DEFAULT_REGION = "tumen"
#: the country polygons kept in geodata/borders.geojson: every region plus the
#: overseas ports (Shanghai to Akita), so maps show them on land
MAP_EXTENT: tuple[float, float, float, float] = (118.0, 29.0, 142.0, 49.0)

#: credit for every dataset; travels with every map and dataset written
ATTRIBUTION = {
    "osm": "© OpenStreetMap contributors (ODbL)",
    "scgraph": "road and rail graphs: scgraph-data (MIT), derived from OpenStreetMap",
    "naturalearth": "borders: Natural Earth 1:10m (public domain)",
    "geonames": "towns: GeoNames (CC BY 4.0)",
    "searoute": "sea lanes: searoute / MARNET (Apache-2.0)",
}
ATTRIBUTION_TEXT = "; ".join(ATTRIBUTION.values())

# ---- live OpenStreetMap downloads (corridor fetch)
#: edge length of the square tiles a region is split into, degrees. One
#: Overpass request per tile and mode; 0.5 deg (about 41 x 56 km at 42 N) keeps
#: each tile, with the 500 m buffer OSMnx adds, under OSMnx's own
#: ``max_query_area_size`` (50 km x 50 km), so OSMnx never splits it again.
OVERPASS_TILE_DEG: float = 0.5
#: refuse regions that need more tiles than this (per mode)
OVERPASS_MAX_TILES: int = 1000
#: seconds to wait for one Overpass answer; also sent to the server as the
#: query's ``[timeout:N]`` (rounded up to whole seconds)
OVERPASS_TIMEOUT_S: float = 180.0
#: how many times a failed request is retried (so ``retries + 1`` tries)
OVERPASS_RETRIES: int = 4
#: exponential backoff: wait ``base * 2**(try - 1)`` seconds before retry ``try``
OVERPASS_BACKOFF_S: float = 2.0
#: cap on any single wait (backoff, ``Retry-After`` or the status endpoint's slot time)
OVERPASS_MAX_DELAY_S: float = 120.0

MODES = ("road", "rail", "sea")
EDGE_MODES = ("road", "rail", "sea", "crossing", "transfer", "connector")
COUNTRIES = {"CN": "China", "KP": "DPRK", "RU": "Russia", "KR": "South Korea", "JP": "Japan", "MN": "Mongolia"}


def _road_speeds() -> dict[str, float]:
    # Assumption, documented: the snapshot's roads carry no class, so one speed
    # per country for a loaded truck on the main network. GOSTnets' conservative
    # defaults (trunk 40, secondary 30 km/h) bound it below, Valhalla's truck cap
    # (90 km/h) above. DPRK roads are largely unpaved outside Rason.
    return {"CN": 60.0, "RU": 55.0, "KP": 30.0, "KR": 70.0, "JP": 60.0, "MN": 40.0, "default": 40.0}


def _road_class_speeds() -> dict[str, float]:
    # OSM highway class -> truck km/h where maxspeed is missing (live OSM data).
    # GOSTnets defaults lifted toward the OSM wiki's 70-100 km/h for trucks
    # outside towns, capped at Valhalla's 90 km/h for trucks.
    return {
        "motorway": 80.0, "trunk": 65.0, "primary": 55.0, "secondary": 45.0,
        "tertiary": 35.0, "unclassified": 30.0, "residential": 20.0,
        "motorway_link": 40.0, "trunk_link": 35.0, "primary_link": 30.0,
        "secondary_link": 25.0, "tertiary_link": 20.0, "service": 15.0,
    }


def _rail_speeds() -> dict[str, float]:
    # RZD average freight service speed 40.9 km/h (2018); World Bank Asia
    # railways edges imply ~31 km/h, used for China's feeder lines here.
    # DPRK: assumption, about half the Chinese figure (single track, old stock).
    return {"RU": 40.9, "CN": 31.0, "KP": 15.0, "KR": 40.0, "JP": 40.0, "MN": 30.0, "default": 30.0}


def _gauges() -> dict[str, int]:
    # Standard gauge in China, the DPRK and South Korea; Russian gauge in Russia.
    return {"CN": 1435, "KP": 1435, "KR": 1435, "JP": 1067, "RU": 1520, "MN": 1520}


def _cost_per_tkm() -> dict[str, float]:
    # Assumption, documented: line-haul money per tonne-kilometre (USD), in the
    # range of World Bank corridor studies: road 0.08, rail 0.04, short-sea 0.012.
    return {"road": 0.08, "rail": 0.04, "sea": 0.012, "connector": 0.08}


@dataclass(frozen=True)
class Settings:
    """All tunable numbers of the model.

    Use :meth:`replace` or :func:`load_profile` to change them; the module
    constant :data:`DEFAULTS` holds the documented defaults.
    """

    road_speed_kph: dict[str, float] = field(default_factory=_road_speeds)
    road_class_speed_kph: dict[str, float] = field(default_factory=_road_class_speeds)
    rail_speed_kph: dict[str, float] = field(default_factory=_rail_speeds)
    gauge_mm: dict[str, int] = field(default_factory=_gauges)
    #: searoute's default is 24 knots (container ships); bulk and feeder
    #: ships in this sea run nearer 12-15 knots (REGION.md)
    sea_speed_knots: float = 14.0
    cost_usd_per_tkm: dict[str, float] = field(default_factory=_cost_per_tkm)
    #: World Bank Asia railways analysis: 4 h and $20/t per border crossing,
    #: used when a registry crossing gives no dwell_h / fee_usd_t of its own
    crossing_dwell_h: float = 4.0
    crossing_fee_usd_t: float = 20.0
    #: route-choice penalty per border crossing (Valhalla's default country
    #: crossing cost, 600 s); steers routes, never added to reported time
    crossing_penalty_s: float = 600.0
    #: World Bank: 12 h and $10/t per change of gauge
    gauge_change_h: float = 12.0
    gauge_change_usd_t: float = 10.0
    #: assumption: loading road <-> rail at a freight terminal
    rail_terminal_h: float = 6.0
    rail_terminal_usd_t: float = 5.0
    #: assumption: port handling and terminal waiting, land <-> ship
    port_handling_h: float = 24.0
    port_handling_usd_t: float = 12.0
    #: synthetic connector edges: slow local access (assumption)
    connector_speed_kph: float = 25.0
    #: registry points farther than this from any network node are left unconnected
    max_connector_km: float = 60.0
    #: a node within this distance of its border whose neighbours all lie in one
    #: other country takes their country (generalised river borders, see
    #: sources.borders.smooth_countries)
    border_tolerance_km: float = 3.0
    #: a network edge that crosses a border within this distance of a registry
    #: crossing of its mode is taken as that crossing's alignment
    crossing_snap_km: float = 15.0
    #: route-choice penalty in money terms when routing by cost (USD/t per hour of penalty)
    penalty_usd_t_per_h: float = 1.0
    #: registry places join a land network through synthetic connectors to their
    #: nearest access nodes: up to this many, within this factor of the nearest one.
    #: More than one lets a place act as a made-up shortcut between them.
    connector_k: int = 1
    connector_spread: float = 1.5
    #: dual-gauge track (1435 + 1520 mm): rail edges inside these boxes
    #: (W, S, E, N) in these countries carry both gauges. Khasan-Rajin, 54 km
    #: (RZD / Railway Gazette 2013).
    dual_gauge_areas: dict[str, tuple] = field(default_factory=lambda: {
        "khasan-rajin": (130.25, 42.20, 130.70, 42.45, "KP"),
    })
    #: towns with a rail freight terminal (road <-> rail transfer); ports and
    #: parks marked ``rail_terminal`` have one too
    rail_terminal_towns: tuple[str, ...] = (
        "town-hunchun", "town-tumen", "town-yanji", "town-najin", "town-sonbong", "town-hoeryong",
        "town-vladivostok", "town-ussuriysk", "town-chongjin", "town-changchun", "town-harbin",
        "town-shenyang", "town-dalian", "town-mudanjiang", "town-suifenhe", "town-jilin",
    )
    #: months (1-12) in which ports marked ``ice: true`` in the registry close
    ice_months: tuple[int, ...] = (1, 2)
    #: speed multiplier per mode (scenarios change these)
    speed_factor: dict[str, float] = field(default_factory=lambda: {"road": 1.0, "rail": 1.0, "sea": 1.0})
    #: reach polygons: buffer around reachable edges, metres
    reach_buffer_m: float = 2500.0
    #: default reach bands, hours
    reach_hours: tuple[float, ...] = (2.0, 4.0, 8.0, 24.0)
    #: default reach bands, USD per tonne
    reach_cost_usd_t: tuple[float, ...] = (20.0, 50.0, 100.0)

    def __hash__(self) -> int:  # dict fields: hash the text form (settings are frozen)
        return hash(repr(self))

    def replace(self, **changes: Any) -> "Settings":
        """Return a copy with some fields changed (dict fields are merged).

        Examples
        --------
        >>> DEFAULTS.replace(road_speed_kph={"KP": 25.0}).road_speed_kph["KP"]
        25.0
        """
        merged: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(self)}
        for key, value in changes.items():
            if key not in names:
                raise InputError(f"unknown setting {key!r}; valid: {', '.join(sorted(names))}")
            current = getattr(self, key)
            if isinstance(current, dict):
                if not isinstance(value, dict):
                    raise InputError(f"setting {key!r} takes a table, got {value!r}")
                if key == "speed_factor" and set(value) - set(MODES):
                    raise InputError(f"setting speed_factor: unknown mode {sorted(set(value) - set(MODES))[0]!r}; "
                                     f"valid: {', '.join(MODES)}")
                if key == "dual_gauge_areas":
                    merged[key] = {**current, **{k: tuple(v) for k, v in value.items()}}
                    continue
                merged[key] = {**current, **{k: _checked(f"{key}.{k}", v, _positive(key)) for k, v in value.items()}}
            elif isinstance(current, tuple):
                if not isinstance(value, (list, tuple)) or not value:
                    raise InputError(f"setting {key!r} takes a non-empty list, got {value!r}")
                kinds = {type(x) for x in current} or {float}
                if str in kinds:
                    merged[key] = tuple(str(x) for x in value)
                elif int in kinds:
                    merged[key] = tuple(int(_checked(f"{key}[]", x, True)) for x in value)
                else:
                    merged[key] = tuple(_checked(f"{key}[]", x, True) for x in value)
            else:
                merged[key] = type(current)(_checked(key, value, _positive(key)))
        return dataclasses.replace(self, **merged)


def _positive(key: str) -> bool:
    """Speeds and band thresholds must be > 0; times, costs and distances >= 0."""
    return "speed" in key or key.startswith("reach_") or key in ("connector_k",)


def _checked(key: str, value: Any, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"setting {key}: {value!r} is not a number")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise InputError(f"setting {key}: {value!r} must be a number {'> 0' if positive else '>= 0'}")
    return v


DEFAULTS = Settings()


def load_profile(path: str | os.PathLike, base: Settings = DEFAULTS) -> Settings:
    """Read a TOML profile whose keys are :class:`Settings` fields.

    Examples
    --------
    A profile file might read::

        sea_speed_knots = 12
        [rail_speed_kph]
        KP = 12.0
    """
    from corridor.io import read_toml

    return base.replace(**read_toml(path, "profile"))
