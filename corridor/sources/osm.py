"""Live OpenStreetMap: road, rail and ferry networks through OSMnx and Overpass.

Three ways in, one :class:`~corridor.sources.SourceNetworks` out:

* :func:`fetch` downloads a region from an Overpass API server through OSMnx
  2.x (roads, rail and ``route=ferry`` ways, each with its own filter), tile
  by tile, with bounded retries; caches every good raw answer; and saves the
  graphs as GraphML plus a ``meta.json`` under ``geodata/osm/<region>/``;
* :func:`load_saved` reads a region saved by an earlier :func:`fetch`;
* :func:`load_osm_file` reads a user's own ``.osm`` XML file.

Edges keep the OSM tags the model needs (``highway``, ``maxspeed``,
``oneway``, ``railway``, ``gauge``, ``usage``, ``service``, ``electrified``,
``name``, ``ref``, ``route``, ``duration``); nodes keep ``barrier`` where it
is ``border_control`` (the node survives simplification). Graphs are
simplified once per mode after the tiles are joined, keeping a node wherever
the rail ``gauge`` (or ``railway``/``usage``/``service``) or the road
``highway`` class changes, so a break of gauge is never hidden inside one
edge. Tag values are data, never markup: a name such as
``<img src=x onerror=alert(1)>`` is kept verbatim and escaping is left to
whoever renders it.

Nothing is ever half-written: raw Overpass answers are validated before
they are cached, and cache files, GraphML files and ``meta.json`` are written
to a temporary file and renamed (:mod:`corridor.io`). A failed fetch raises
:class:`FetchError` before anything under the output folder is touched, so a
previous good download stays intact.

Examples
--------
>>> from corridor.sources import osm
>>> osm.parse_region("130.2,42.5,130.9,43.0")
('130.2,42.5,130.9,43', (130.2, 42.5, 130.9, 43.0))

Not run as a doctest (needs an Overpass server)::

    nets = osm.fetch("tumen")
    nets.rail.edges(data="gauge")
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
import warnings
import xml.sax
from collections.abc import Callable, Iterator, Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx
import osmnx as ox
import requests
from osmnx import _overpass
from osmnx._errors import InsufficientResponseError

from corridor import settings
from corridor.errors import InputError
from corridor.io import atomic_path, write_text_atomic
from corridor.sources import SourceNetworks

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------
# Defaults (the Overpass numbers live in corridor.settings)
# ---------------------------------------------------------------------------------

OVERPASS_TILE_DEG: float = settings.OVERPASS_TILE_DEG
OVERPASS_MAX_TILES: int = settings.OVERPASS_MAX_TILES
OVERPASS_TIMEOUT_S: float = settings.OVERPASS_TIMEOUT_S
OVERPASS_RETRIES: int = settings.OVERPASS_RETRIES
OVERPASS_BACKOFF_S: float = settings.OVERPASS_BACKOFF_S
OVERPASS_MAX_DELAY_S: float = settings.OVERPASS_MAX_DELAY_S

#: OSM highway classes downloaded as roads (each also with its ``_link``)
ROAD_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: classes added with ``detail=True``
ROAD_CLASSES_DETAIL: tuple[str, ...] = ("unclassified", "residential", "service")
#: ``railway=*`` values downloaded as rail
RAIL_KINDS: tuple[str, ...] = ("rail", "light_rail", "narrow_gauge")
#: way tags kept on edges on top of OSMnx's ``useful_tags_way`` defaults
WAY_TAGS: tuple[str, ...] = (
    "highway", "maxspeed", "oneway", "name", "ref", "service",
    "railway", "gauge", "usage", "electrified", "route", "duration",
)
#: node tags kept on nodes on top of OSMnx's ``useful_tags_node`` defaults
NODE_TAGS: tuple[str, ...] = ("barrier", "name")
#: ``highway=*`` values that are not roads for trucks (dropped from user files)
NON_ROAD_HIGHWAYS: frozenset[str] = frozenset({
    "footway", "path", "cycleway", "steps", "pedestrian", "bridleway", "corridor",
    "elevator", "escalator", "platform", "proposed", "construction", "abandoned",
    "razed", "no", "bus_stop", "rest_area", "services", "raceway", "via_ferrata",
})
#: edge attributes whose change keeps a node during simplification, per mode
KEEP_NODE_WHERE_CHANGES: dict[str, list[str]] = {
    "road": ["highway"],
    "rail": ["gauge", "railway", "usage", "service"],
    "ferry": [],
}

ATTRIBUTION = settings.ATTRIBUTION["osm"]
MODES = ("road", "rail", "ferry")
#: progress callback: ``progress(done, total, message)``
Progress = Callable[[int, int, str], None]


class FetchError(RuntimeError):
    """A download failed after its bounded retries.

    The message is one line: what failed, the URL, how many tries, what to do.

    Attributes
    ----------
    url : str
        The URL that failed.
    tries : int
        How many requests were sent.
    problem : str
        The last problem seen (``"HTTP 429 Too Many Requests"``, ...).
    """

    def __init__(self, message: str, *, url: str = "", tries: int = 0, problem: str = "") -> None:
        super().__init__(message)
        self.url = url
        self.tries = tries
        self.problem = problem


# ---------------------------------------------------------------------------------
# Regions and filters
# ---------------------------------------------------------------------------------

_REGION_HELP = (
    f"valid: a preset ({', '.join(settings.REGIONS)}) or 'W,S,E,N' in degrees, "
    "e.g. '130.2,42.5,130.9,43.0'"
)


def parse_region(region: str) -> tuple[str, tuple[float, float, float, float]]:
    """Validate a region and return its canonical name and bounding box.

    Parameters
    ----------
    region : str
        A preset name from :data:`corridor.settings.REGIONS` or ``"W,S,E,N"``
        in degrees (west < east, south < north).

    Returns
    -------
    name, bbox : str, tuple
        ``name`` is the preset or the normalised ``"W,S,E,N"``; ``bbox`` is
        ``(west, south, east, north)``.

    Raises
    ------
    corridor.errors.InputError
        One line naming what was wrong and what is valid.

    Examples
    --------
    >>> parse_region("tumen")
    ('tumen', (129.3, 41.9, 131.95, 43.9))
    >>> parse_region(" 130.2, 42.5, 130.9, 43 ")[1]
    (130.2, 42.5, 130.9, 43.0)
    """
    if not isinstance(region, str) or not region.strip():
        raise InputError(f"empty region; {_REGION_HELP}")
    text = region.strip()
    if text.lower() in settings.REGIONS:
        return text.lower(), tuple(float(v) for v in settings.REGIONS[text.lower()])  # type: ignore[return-value]
    if "," not in text:
        raise InputError(f"unknown region {text!r}; {_REGION_HELP}")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise InputError(f"region {text!r} has {len(parts)} numbers, needs 4; {_REGION_HELP}")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"region {text!r} is not four numbers; {_REGION_HELP}") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InputError(f"region {text!r} has a non-finite number; {_REGION_HELP}")
    if not (-180 <= w < e <= 180):
        raise InputError(f"region {text!r}: need -180 <= west < east <= 180; {_REGION_HELP}")
    if not (-90 <= s < n <= 90):
        raise InputError(f"region {text!r}: need -90 <= south < north <= 90; {_REGION_HELP}")
    return ",".join(f"{v:g}" for v in (w, s, e, n)), (w, s, e, n)


def region_slug(region: str) -> str:
    """Folder name for a region: the preset name, or ``bbox_W_S_E_N``.

    Examples
    --------
    >>> region_slug("tumen"), region_slug("130.2,42.5,130.9,43")
    ('tumen', 'bbox_130.2_42.5_130.9_43')
    >>> region_slug("-5.5,40,-5,41")
    'bbox_m5.5_40_m5_41'
    """
    name, bbox = parse_region(region)
    if name in settings.REGIONS:
        return name
    return "bbox_" + "_".join(f"{v:g}".replace("-", "m") for v in bbox)


def tile_grid(bbox: Sequence[float], tile_deg: float = OVERPASS_TILE_DEG) -> list[tuple[float, float, float, float]]:
    """Split ``(west, south, east, north)`` into equal tiles no larger than ``tile_deg``.

    Examples
    --------
    >>> len(tile_grid((129.3, 41.9, 131.95, 43.9), 0.5))
    24
    >>> tile_grid((0, 0, 1, 1), 2.0)
    [(0.0, 0.0, 1.0, 1.0)]
    """
    if not tile_deg > 0:
        raise InputError(f"tile size must be > 0 degrees, got {tile_deg!r}")
    w, s, e, n = (float(v) for v in bbox)
    nx_ = max(1, math.ceil((e - w) / tile_deg - 1e-9))
    ny_ = max(1, math.ceil((n - s) / tile_deg - 1e-9))
    dx, dy = (e - w) / nx_, (n - s) / ny_
    tiles = []
    for j in range(ny_):
        for i in range(nx_):
            tiles.append((
                w + i * dx, s + j * dy,
                e if i == nx_ - 1 else w + (i + 1) * dx,
                n if j == ny_ - 1 else s + (j + 1) * dy,
            ))
    return tiles


def filters(detail: bool = False) -> dict[str, str]:
    """Overpass way filters per mode (OSMnx ``custom_filter`` strings).

    Examples
    --------
    >>> filters()["rail"]
    '["railway"~"^(rail|light_rail|narrow_gauge)$"]'
    >>> filters()["ferry"]
    '["route"="ferry"]'
    """
    classes = ROAD_CLASSES + (ROAD_CLASSES_DETAIL if detail else ())
    return {
        "road": f'["highway"~"^({"|".join(classes)})(_link)?$"]["area"!~"yes"]',
        "rail": f'["railway"~"^({"|".join(RAIL_KINDS)})$"]',
        "ferry": '["route"="ferry"]',
    }


# ---------------------------------------------------------------------------------
# The Overpass client: bounded retries, atomic validated cache
# ---------------------------------------------------------------------------------

_RETRYABLE_STATUS = {408, 429}


class _OverpassClient:
    """Sends Overpass queries with bounded retries; caches good answers atomically.

    Stands in for OSMnx's ``_overpass._overpass_request`` during :func:`fetch`:
    OSMnx 2.1's own version retries HTTP 429/504 forever (55 s sleeps, no
    limit), raises on the first timeout, and writes its cache file in place
    (a crash can leave a half-written file that later reads fail on).
    """

    def __init__(self, url: str, cache_dir: Path, *, timeout: float, retries: int,
                 backoff: float, use_cache: bool) -> None:
        self.url = url.rstrip("/")
        self.endpoint = self.url + "/interpreter"
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.use_cache = use_cache
        self.sent = 0          # HTTP requests sent to the interpreter
        self.cache_hits = 0

    # -- cache -------------------------------------------------------------------
    def cache_path(self, query: str) -> Path:
        # the [timeout:N] setting does not change the answer: leave it out of the key
        key = self.endpoint + "\n" + re.sub(r"\[timeout:[^\]]*\]", "", query)
        return self.cache_dir / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()}.json"

    def _from_cache(self, path: Path) -> dict[str, Any] | None:
        if not (self.use_cache and path.is_file()):
            return None
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            log.warning("ignoring unreadable cache file %s", path)
            return None
        if not _is_overpass_doc(doc):
            return None
        self.cache_hits += 1
        return doc

    # -- requests ----------------------------------------------------------------
    def _status_pause(self) -> float:
        """Seconds to wait for a free slot, from the server's /status page (0 if unknown)."""
        if not ox.settings.overpass_rate_limit:
            return 0.0
        try:
            text = requests.get(self.url + "/status", timeout=min(self.timeout, 10.0),
                                headers=ox._http._get_http_headers(), **ox.settings.requests_kwargs).text
        except requests.RequestException:
            return 0.0  # the real request will fail and be retried with backoff
        if re.search(r"^\d+ slots? available now", text, re.M):
            return 0.0
        waits = [int(m) for m in re.findall(r"Slot available after: \S+, in (-?\d+) seconds", text)]
        return float(min(max(min(waits), 0), OVERPASS_MAX_DELAY_S)) if waits else 0.0

    def request(self, data: dict[str, Any]) -> dict[str, Any]:
        """POST ``data`` (``{"data": query}``) to the interpreter; return Overpass JSON."""
        query = str(data["data"])
        path = self.cache_path(query)
        cached = self._from_cache(path)
        if cached is not None:
            return cached

        tries = self.retries + 1
        problem, kind = "", ""
        for attempt in range(1, tries + 1):
            wait = 0.0
            if attempt > 1:
                wait = min(self.backoff * 2 ** (attempt - 2), OVERPASS_MAX_DELAY_S)
                log.warning("Overpass %s: %s; retry %d/%d in %.1f s",
                            self.endpoint, problem, attempt - 1, self.retries, wait)
            time.sleep(max(wait, self._status_pause()))
            self.sent += 1
            try:
                response = requests.post(self.endpoint, data=data, timeout=self.timeout,
                                         headers=ox._http._get_http_headers(), **ox.settings.requests_kwargs)
            except requests.Timeout:
                problem, kind = f"no answer within {self.timeout:g} s", "timeout"
                continue
            except requests.RequestException as exc:
                problem, kind = f"connection failed or broke off mid-answer ({type(exc).__name__})", "busy"
                continue

            status = response.status_code
            if status in _RETRYABLE_STATUS or status >= 500:
                problem = f"HTTP {status} {response.reason or ''}".strip()
                kind = "rate" if status == 429 else "busy"
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if retry_after and attempt < tries:
                    time.sleep(min(retry_after, OVERPASS_MAX_DELAY_S))
                continue
            if status != 200:
                first = " ".join(response.text.split())[:120]
                raise FetchError(
                    f"Overpass rejected the query at {self.endpoint}: HTTP {status} ({first}) after 1 try; "
                    "check that --overpass-url is an Overpass API base URL such as https://overpass-api.de/api",
                    url=self.endpoint, tries=attempt, problem=f"HTTP {status}",
                )
            try:
                doc = json.loads(response.content.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                problem, kind = f"malformed or truncated JSON ({len(response.content):,} bytes)", "busy"
                continue
            if not _is_overpass_doc(doc):
                problem, kind = "an answer without an 'elements' list", "busy"
                continue
            remark = " ".join(str(doc.get("remark") or "").split()).rstrip(". ")
            if "error" in remark.lower():
                problem, kind = f"server error remark: {remark[:120]}", "busy"
                continue
            if self.use_cache and not remark:
                write_text_atomic(path, json.dumps(doc, ensure_ascii=False))
            return doc

        advice = {
            "timeout": "try again later, raise --timeout, or fetch a smaller region",
            "rate": "the server is rate-limiting: wait a few minutes and run `corridor fetch` again, "
                    "or use another --overpass-url",
        }.get(kind, "the server is busy or down: try again later or use another --overpass-url")
        raise FetchError(
            f"Overpass download failed at {self.endpoint}: {problem} on each of {tries} "
            f"{'try' if tries == 1 else 'tries'}; {advice}",
            url=self.endpoint, tries=tries, problem=problem,
        )


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return 0.0


def _is_overpass_doc(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("elements"), list)


# ---------------------------------------------------------------------------------
# OSMnx settings and graph building
# ---------------------------------------------------------------------------------

_SETTINGS_TOUCHED = ("overpass_url", "cache_folder", "use_cache", "requests_timeout",
                     "useful_tags_way", "useful_tags_node")


@contextlib.contextmanager
def _osmnx_settings(**changes: Any) -> Iterator[None]:
    """Set OSMnx settings (always with corridor's tags) and restore them afterwards."""
    saved = {name: getattr(ox.settings, name) for name in _SETTINGS_TOUCHED}
    try:
        ox.settings.useful_tags_way = list(dict.fromkeys([*saved["useful_tags_way"], *WAY_TAGS]))
        ox.settings.useful_tags_node = list(dict.fromkeys([*saved["useful_tags_node"], *NODE_TAGS]))
        for name, value in changes.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


@contextlib.contextmanager
def _route_requests_through(client: _OverpassClient) -> Iterator[None]:
    """Make OSMnx send its Overpass queries through ``client`` (restored afterwards)."""
    original = getattr(_overpass, "_overpass_request", None)
    if original is None:  # pragma: no cover - guards against an OSMnx refactor
        raise RuntimeError(
            f"corridor.sources.osm needs OSMnx 2.x with osmnx._overpass._overpass_request "
            f"(found OSMnx {ox.__version__})"
        )
    _overpass._overpass_request = client.request
    try:
        yield
    finally:
        _overpass._overpass_request = original


def _empty_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph(crs=ox.settings.default_crs)


def _tile_graph(tile: tuple[float, float, float, float], custom_filter: list[str]) -> nx.MultiDiGraph | None:
    """One tile, unsimplified (so tiles join on OSM node ids); None if the tile is empty."""
    try:
        return ox.graph_from_bbox(tile, simplify=False, retain_all=True, truncate_by_edge=True,
                                  custom_filter=custom_filter)
    except InsufficientResponseError:  # "No data elements in server response"
        return None
    except ValueError as exc:  # data only in OSMnx's 500 m buffer around the tile
        if "no graph nodes" in str(exc).lower():
            return None
        raise


def _finish(G: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """Keep only border-control barriers, then simplify once, keeping gauge/class changes."""
    for _, data in G.nodes(data=True):
        if data.get("barrier") not in (None, "border_control"):
            del data["barrier"]
    if G.number_of_edges() == 0:
        H = _empty_graph()
        H.graph.update({k: v for k, v in G.graph.items() if k != "simplified"})
        return H
    return ox.simplify_graph(G, node_attrs_include=["barrier"], edge_attrs_differ=KEEP_NODE_WHERE_CHANGES[mode])


def _counts(G: nx.MultiDiGraph | None) -> dict[str, float]:
    if G is None:
        return {"nodes": 0, "edges": 0, "length_km": 0.0}
    km = sum(float(d.get("length", 0.0)) for _, _, d in G.edges(data=True)) / 1000.0
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "length_km": round(km, 3)}


def _or_none(G: nx.MultiDiGraph) -> nx.MultiDiGraph | None:
    return G if G.number_of_edges() else None


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_out_base(base_dir: str | Path | None) -> Path:
    return Path(base_dir) if base_dir is not None else settings.OSM_DIR


# ---------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------

def fetch(
    region: str,
    *,
    overpass_url: str | None = None,
    detail: bool = False,
    cache_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    timeout: float = OVERPASS_TIMEOUT_S,
    retries: int = OVERPASS_RETRIES,
    backoff: float = OVERPASS_BACKOFF_S,
    tile_deg: float | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> SourceNetworks:
    """Download a region's road, rail and ferry networks from Overpass and save them.

    The region is split into tiles (:data:`OVERPASS_TILE_DEG`); each tile is
    one ``ox.graph_from_bbox`` call whose custom filter is the list of the
    three mode filters (see :func:`filters`), so OSMnx sends one Overpass
    request per tile and mode. Tiles are downloaded unsimplified so they join
    exactly on OSM node ids (``nx.compose_all``); the joined graph is split by
    tags into road, rail and ferry and each is simplified once. Every request is
    retried on timeouts, HTTP 408/429/5xx, malformed or truncated JSON and
    Overpass "runtime error" remarks, with exponential backoff, up to
    ``retries`` times; then :class:`FetchError` is raised and nothing under
    ``out_dir`` is changed. Good raw answers are cached (atomically) and
    reused by later calls, so running a failed fetch again resumes where it
    stopped.

    Parameters
    ----------
    region : str
        Preset name from :data:`corridor.settings.REGIONS` or ``"W,S,E,N"``.
    overpass_url : str, optional
        Overpass API base URL (``.../api``: ``/interpreter`` and ``/status``
        are appended). Default: ``osmnx.settings.overpass_url``.
    detail : bool
        Also download ``unclassified``, ``residential`` and ``service`` roads.
    cache_dir : path, optional
        Raw answer cache. Default ``settings.CACHE_DIR / "overpass"``.
    out_dir : path, optional
        Base folder for saved graphs. Default ``settings.OSM_DIR``;
        files go to ``<out_dir>/<region_slug(region)>/``.
    timeout : float
        Seconds to wait for each answer (also the server-side query timeout).
    retries : int
        Retries per request after the first try.
    backoff : float
        Base delay of the exponential backoff, seconds.
    tile_deg : float, optional
        Tile edge in degrees. Default :data:`OVERPASS_TILE_DEG`.
    use_cache : bool
        Read and write the raw answer cache.
    progress : callable, optional
        Called as ``progress(done, total, message)`` after each tile.

    Returns
    -------
    SourceNetworks
        ``source="osm"``; ``ferry`` is None if the region has no ferry ways;
        ``meta`` is the saved ``meta.json`` plus ``"dir"``.

    Raises
    ------
    corridor.errors.InputError
        Bad region, timeout, retries, tile size or URL.
    FetchError
        The server could not give a good answer within the retries.

    Examples
    --------
    Not run as a doctest (needs an Overpass server)::

        nets = fetch("130.3,42.8,130.5,42.9", overpass_url="http://127.0.0.1:8080/api")
        sorted(nets.meta["counts"])  # ['ferry', 'rail', 'road']
    """
    name, bbox = parse_region(region)
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InputError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    if not (isinstance(retries, int) and retries >= 0):
        raise InputError(f"retries must be a whole number >= 0, got {retries!r}")
    if not (isinstance(backoff, (int, float)) and backoff >= 0):
        raise InputError(f"backoff must be a number of seconds >= 0, got {backoff!r}")
    tiles = tile_grid(bbox, OVERPASS_TILE_DEG if tile_deg is None else tile_deg)
    if len(tiles) > OVERPASS_MAX_TILES:
        raise InputError(
            f"region {name!r} needs {len(tiles)} tiles of {tile_deg or OVERPASS_TILE_DEG:g} deg, "
            f"more than {OVERPASS_MAX_TILES}; pick a smaller region or larger tiles"
        )
    url = (overpass_url or ox.settings.overpass_url).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise InputError(f"Overpass URL {url!r} is not an http(s) URL; e.g. https://overpass-api.de/api")
    cache = Path(cache_dir) if cache_dir is not None else settings.CACHE_DIR / "overpass"
    out = _default_out_base(out_dir) / region_slug(name)

    client = _OverpassClient(url, cache, timeout=float(timeout), retries=retries,
                             backoff=float(backoff), use_cache=use_cache)
    mode_filters = filters(detail)
    road_classes = set(ROAD_CLASSES + (ROAD_CLASSES_DETAIL if detail else ()))
    road_classes |= {f"{c}_link" for c in road_classes}
    parts = []
    with _osmnx_settings(overpass_url=url, cache_folder=str(cache), use_cache=use_cache,
                         requests_timeout=max(1, math.ceil(timeout))), _route_requests_through(client):
        for i, tile in enumerate(tiles, 1):
            # one OSMnx call per tile sends the three filters as three requests
            G = _tile_graph(tile, [mode_filters[m] for m in MODES])
            if G is not None:
                parts.append(G)
            if progress is not None:
                progress(i, len(tiles), f"OSM tile {i}/{len(tiles)}")
    joined = nx.compose_all(parts) if parts else _empty_graph()
    graphs = {mode: _split(joined, mode, road_classes) for mode in MODES}

    fetched = _utc_now()
    meta: dict[str, Any] = {
        "source": "osm",
        "region": name,
        "bbox": list(bbox),
        "detail": bool(detail),
        "fetched_utc": fetched,
        "overpass_url": url,
        "filters": mode_filters,
        "tiles": len(tiles),
        "requests_sent": client.sent,
        "cache_hits": client.cache_hits,
        "counts": {mode: _counts(G) for mode, G in graphs.items()},
        "osmnx_version": ox.__version__,
        "attribution": ATTRIBUTION,
    }
    for mode, G in graphs.items():
        G.graph.update(source="osm", mode=mode, region=name, fetched_utc=fetched, overpass_url=url)
    # all downloads succeeded: only now touch the output folder, file by file,
    # each atomically; meta.json last marks the set complete
    for mode, G in graphs.items():
        with atomic_path(out / f"{mode}.graphml") as tmp:
            ox.save_graphml(G, tmp)
    write_text_atomic(out / "meta.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return SourceNetworks(
        source="osm", region=name, bbox=bbox,
        road=graphs["road"], rail=graphs["rail"], ferry=_or_none(graphs["ferry"]),
        detail=_detail_line(meta), meta={**meta, "dir": str(out)},
    )


def _detail_line(meta: dict[str, Any]) -> str:
    roads = "motorway to tertiary" + (" + unclassified/residential/service" if meta.get("detail") else "")
    return (f"full-detail OpenStreetMap ({roads} roads, rail, ferries) fetched at "
            f"{meta.get('fetched_utc', '?')} from {meta.get('overpass_url', '?')}")


def load_saved(region: str, base_dir: str | Path | None = None) -> SourceNetworks | None:
    """Load a region saved by :func:`fetch`, or None if it was never fetched.

    Parameters
    ----------
    region : str
        Preset name or ``"W,S,E,N"`` (as given to :func:`fetch`).
    base_dir : path, optional
        Default ``settings.OSM_DIR``.

    Returns
    -------
    SourceNetworks or None
        ``source="osm"``; ``detail`` says when and from where it was fetched.

    Raises
    ------
    corridor.errors.InputError
        The saved files are unreadable or from different fetches.

    Examples
    --------
    Not run as a doctest (needs an Overpass server)::

        nets = load_saved("tumen")
        nets.detail if nets else "not fetched yet"
    """
    name, bbox = parse_region(region)
    folder = _default_out_base(base_dir) / region_slug(name)
    meta_path = folder / "meta.json"
    if not (meta_path.is_file() and (folder / "road.graphml").is_file()):
        return None
    hint = f"delete {folder} or run `corridor fetch --region {name}` again"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{meta_path}: unreadable ({exc}); {hint}") from None
    graphs: dict[str, nx.MultiDiGraph] = {}
    for mode in MODES:
        path = folder / f"{mode}.graphml"
        if not path.is_file():
            graphs[mode] = _empty_graph()
            continue
        try:
            G = ox.load_graphml(path)
        except Exception as exc:  # noqa: BLE001 - any parse failure means a broken file
            raise InputError(f"{path}: not a readable GraphML file ({type(exc).__name__}); {hint}") from None
        if G.graph.get("fetched_utc") != meta.get("fetched_utc"):
            raise InputError(f"{path}: not from the same fetch as {meta_path.name} (interrupted save?); {hint}")
        graphs[mode] = G
    return SourceNetworks(
        source="osm", region=name, bbox=tuple(meta.get("bbox", bbox)),  # type: ignore[arg-type]
        road=graphs["road"], rail=graphs["rail"], ferry=_or_none(graphs["ferry"]),
        detail=_detail_line(meta), meta={**meta, "dir": str(folder)},
    )


def saved_regions(base_dir: str | Path | None = None) -> list[str]:
    """Regions saved by :func:`fetch` under ``base_dir`` (names to give :func:`load_saved`).

    Examples
    --------
    >>> import tempfile
    >>> saved_regions(tempfile.mkdtemp())
    []
    """
    base = _default_out_base(base_dir)
    if not base.is_dir():
        return []
    names = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        meta_path = folder / "meta.json"
        if not (meta_path.is_file() and (folder / "road.graphml").is_file()):
            continue
        try:
            names.append(str(json.loads(meta_path.read_text(encoding="utf-8"))["region"]))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            names.append(folder.name)
    return names


def _is_mode(data: dict[str, Any], mode: str, road_classes: set[str] | None = None) -> bool:
    """Does an unsimplified edge belong to ``mode``? (``road_classes`` None: any truck road)."""
    if mode == "road":
        hw = data.get("highway")
        if not isinstance(hw, str) or data.get("area") == "yes":
            return False
        return hw in road_classes if road_classes is not None else hw not in NON_ROAD_HIGHWAYS
    if mode == "rail":
        return data.get("railway") in RAIL_KINDS
    return data.get("route") == "ferry"


def _split(G: nx.MultiDiGraph, mode: str, road_classes: set[str] | None = None) -> nx.MultiDiGraph:
    """The simplified graph of one mode out of an unsimplified all-modes graph."""
    edges = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if _is_mode(d, mode, road_classes)]
    sub = G.edge_subgraph(edges).copy() if edges else _empty_graph()
    sub.graph.update(G.graph)
    return _finish(sub, mode)


def load_osm_file(
    path: str | Path,
    region_bbox: str | Sequence[float] | None = None,
) -> SourceNetworks:
    """Read a user's own OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``).

    Roads are ways with a ``highway`` tag other than foot/cycle/construction
    values (:data:`NON_ROAD_HIGHWAYS`), rail the ways with ``railway`` in
    :data:`RAIL_KINDS`, ferries the ``route=ferry`` ways; tags and
    simplification as in :func:`fetch` (through ``ox.graph_from_xml``).

    Parameters
    ----------
    path : path
        The OSM XML file.
    region_bbox : str or (west, south, east, north), optional
        Keep only this area (a region preset or ``"W,S,E,N"`` works too);
        default: the whole file.

    Returns
    -------
    SourceNetworks
        ``source="osm-file"``; ``region`` is the ``"W,S,E,N"`` covered.

    Raises
    ------
    corridor.errors.InputError
        Missing file, not OSM XML, bad bbox, or no roads/rail/ferries in it.

    Examples
    --------
    >>> nets = load_osm_file("tests/fixtures/osm/hunchun_border.osm")
    >>> nets.source, sorted({g for _, _, g in nets.rail.edges(data="gauge")})
    ('osm-file', ['1435', '1435;1520', '1520'])
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: OSM file not found; give the path of an OSM XML file (.osm, .osm.bz2, .osm.gz)")
    bbox: tuple[float, float, float, float] | None = None
    if region_bbox is not None:
        if isinstance(region_bbox, str):
            bbox = parse_region(region_bbox)[1]
        else:
            try:
                bbox = parse_region(",".join(str(float(v)) for v in region_bbox))[1]
            except (TypeError, ValueError):
                raise InputError(f"region_bbox {region_bbox!r} is not (west, south, east, north) numbers") from None
    not_osm = f"{p}: not an OSM XML file"
    try:
        with _osmnx_settings(), _quiet_osmnx_xml_warning():
            G = ox.graph_from_xml(p, simplify=False, retain_all=True)
    except InsufficientResponseError:
        raise InputError(f"{not_osm} (no OSM nodes or ways in it)") from None
    except (ParseError, xml.sax.SAXException) as exc:
        raise InputError(f"{not_osm} ({' '.join(str(exc).split())[:100]})") from None
    except (UnicodeDecodeError, EOFError, OSError, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{not_osm} ({type(exc).__name__}: {' '.join(str(exc).split())[:100]})") from None
    if bbox is not None:
        try:
            G = ox.truncate.truncate_graph_bbox(G, bbox, truncate_by_edge=True)
        except ValueError:
            G = _empty_graph()
    graphs = {}
    for mode in MODES:
        graphs[mode] = _split(G, mode)
        graphs[mode].graph.update(source="osm-file", mode=mode, path=str(p))
    if not any(G_.number_of_edges() for G_ in graphs.values()):
        where = " inside the requested bbox" if bbox is not None else ""
        raise InputError(f"{p}: no roads, railways or ferry routes{where} in this OSM file")
    if bbox is None:
        xs = [x for _, x in G.nodes(data="x")]
        ys = [y for _, y in G.nodes(data="y")]
        bbox = (min(xs), min(ys), max(xs), max(ys))
    region = ",".join(f"{v:g}" for v in bbox)
    meta = {
        "source": "osm-file", "path": str(p), "bbox": list(bbox),
        "counts": {mode: _counts(G_) for mode, G_ in graphs.items()},
        "osmnx_version": ox.__version__, "attribution": ATTRIBUTION,
    }
    return SourceNetworks(
        source="osm-file", region=region, bbox=bbox,
        road=graphs["road"], rail=graphs["rail"], ferry=_or_none(graphs["ferry"]),
        detail=f"user OpenStreetMap file {p.name}: full-detail OSM ways as in the file",
        meta=meta,
    )


@contextlib.contextmanager
def _quiet_osmnx_xml_warning() -> Iterator[None]:
    """Silence OSMnx's 'file generated by OSMnx' warning while reading user files."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*generated by OSMnx.*")
        yield


__all__ = [
    "FetchError", "fetch", "load_saved", "load_osm_file", "saved_regions",
    "parse_region", "region_slug", "tile_grid", "filters",
    "OVERPASS_TILE_DEG", "OVERPASS_MAX_TILES", "OVERPASS_TIMEOUT_S", "OVERPASS_RETRIES",
    "OVERPASS_BACKOFF_S", "OVERPASS_MAX_DELAY_S",
]
