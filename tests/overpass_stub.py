"""A stand-in Overpass API on 127.0.0.1 for the tests of :mod:`corridor.sources.osm`.

It serves real HTTP (``http.server`` in a background thread, random free
port) and answers like Overpass:

* ``POST``/``GET`` ``<base>/interpreter`` with a ``data=`` Overpass QL query:
  the ways of an OSM XML fixture that match the query's way filters
  (``["k"]``, ``["k"="v"]``, ``["k"!="v"]``, ``["k"~"re"]``, ``["k"!~"re"]``)
  and have a node inside the query's ``(poly:"lat lon ...")`` or
  ``(south,west,north,east)`` area, plus every node of those ways, as
  ``{"version": 0.6, "elements": [...]}``;
* ``GET <base>/status``: the plain-text status page OSMnx reads to pace its
  requests ("2 slots available now.").

Faults are switched on for the next N interpreter requests with
:meth:`OverpassStub.fail`: ``timeout`` (sleep longer than the client waits),
``429``, ``500``, ``504``, ``truncated`` (HTTP 200, body cut in half, length
header matching the cut body), ``cut`` (connection closed mid-body, length
header promising more), ``malformed`` (HTTP 200 with an HTML page) and
``remark`` (HTTP 200, Overpass "runtime error" remark with no elements).

Examples
--------
>>> from tests.overpass_stub import OverpassStub
>>> with OverpassStub("tests/fixtures/osm/hunchun_border.osm") as stub:
...     stub.fail("429", times=2)
...     stub.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from shapely import Point, Polygon, box
from shapely.prepared import prep

STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2025-01-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)

FAULTS = ("timeout", "429", "500", "504", "truncated", "cut", "malformed", "remark")

_WAY_RE = re.compile(r"way((?:\[[^\]]*\])*)\s*\(\s*(poly\s*:\s*(['\"])(.*?)\3|[-0-9.,\s]+)\s*\)", re.S)
_CLAUSE_RE = re.compile(
    r"""\[\s*(!?)\s*(?:"([^"]*)"|'([^']*)'|([\w:]+))\s*(?:(!=|!~|=|~)\s*(?:"([^"]*)"|'([^']*)'|([^\]\s]+)))?\s*\]"""
)


def load_osm_xml(path: str | Path) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Read an OSM XML file into Overpass-JSON-style node and way elements keyed by id."""
    root = ET.parse(path).getroot()
    nodes: dict[int, dict[str, Any]] = {}
    ways: dict[int, dict[str, Any]] = {}
    for el in root:
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if el.tag == "node":
            node: dict[str, Any] = {"type": "node", "id": int(el.get("id")),
                                    "lat": float(el.get("lat")), "lon": float(el.get("lon"))}
            if tags:
                node["tags"] = tags
            nodes[node["id"]] = node
        elif el.tag == "way":
            ways[int(el.get("id"))] = {"type": "way", "id": int(el.get("id")),
                                       "nodes": [int(nd.get("ref")) for nd in el.findall("nd")], "tags": tags}
    return nodes, ways


def _check_settings(query: str) -> str:
    """What real Overpass would reject in the query's settings line ('' if nothing)."""
    if not query.strip():
        return "empty query"
    for m in re.finditer(r"\[(timeout|maxsize):([^\]]*)\]", query):
        if not m.group(2).isdigit():
            return f"{m.group(1)} must be a whole number, got {m.group(2)!r}"
    return ""


def _clause_matches(tags: dict[str, str], neg: str, key: str, op: str | None, value: str | None) -> bool:
    present = key in tags
    if op is None:
        return (not present) if neg else present
    if op == "=":
        return present and tags[key] == value
    if op == "!=":
        return not present or tags[key] != value
    if op == "~":
        return present and re.search(value or "", tags[key]) is not None
    if op == "!~":
        return not present or re.search(value or "", tags[key]) is None
    raise ValueError(op)


def parse_query(query: str) -> list[tuple[list[tuple[str, str, str | None, str | None]], Any]]:
    """Split an Overpass QL query into (way filter clauses, area geometry) pairs."""
    parts = []
    for m in _WAY_RE.finditer(query):
        clauses = []
        for c in _CLAUSE_RE.finditer(m.group(1)):
            key = c.group(2) if c.group(2) is not None else (c.group(3) if c.group(3) is not None else c.group(4))
            value = next((g for g in (c.group(6), c.group(7), c.group(8)) if g is not None), None)
            clauses.append((c.group(1), key, c.group(5), value))
        if m.group(4) is not None:  # poly:"lat lon lat lon ..."
            nums = [float(v) for v in m.group(4).split()]
            area = Polygon([(nums[i + 1], nums[i]) for i in range(0, len(nums), 2)])
        else:  # (south,west,north,east)
            s, w, n, e = (float(v) for v in m.group(2).split(","))
            area = box(w, s, e, n)
        parts.append((clauses, area))
    return parts


@dataclass
class OverpassStub:
    """A local Overpass look-alike serving one OSM XML fixture (use as a context manager)."""

    fixture: str | Path
    prefix: str = "/api"
    #: how long the ``timeout`` fault sleeps before answering, seconds
    delay: float = 1.0
    #: what ``/status`` answers (set a "Slot available after: ..." page to test pacing)
    status_text: str = STATUS_TEXT
    requests: list[dict[str, Any]] = field(default_factory=list)
    status_requests: int = 0

    def __post_init__(self) -> None:
        self.nodes, self.ways = load_osm_xml(self.fixture)
        self._faults: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL to give OSMnx as ``overpass_url`` (``/interpreter`` and ``/status`` below it)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def fail(self, mode: str, times: int = 1) -> None:
        """Answer the next ``times`` interpreter requests with fault ``mode``."""
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; valid: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend([mode] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def interpreter_requests(self) -> int:
        return len(self.requests)

    def start(self) -> "OverpassStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parsed = urlparse(self.path)
                if parsed.path == stub.prefix + "/status":
                    with stub._lock:
                        stub.status_requests += 1
                    self._send(200, stub.status_text.encode(), "text/plain")
                elif parsed.path == stub.prefix + "/interpreter":
                    self._interpreter(parse_qs(parsed.query).get("data", [""])[0])
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                if parsed.path != stub.prefix + "/interpreter":
                    self._send(404, b"not found", "text/plain")
                    return
                self._interpreter(parse_qs(body).get("data", [""])[0])

            def _send(self, code: int, body: bytes, ctype: str, length: int | None = None,
                      headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body) if length is None else length))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    if length is not None and length != len(body):
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _interpreter(self, query: str) -> None:
                with stub._lock:
                    fault = stub._faults.pop(0) if stub._faults else None
                    stub.requests.append({"query": query, "fault": fault, "method": self.command})
                bad = _check_settings(query)
                if bad:  # real Overpass rejects a malformed query with HTTP 400
                    self._send(400, f"Error: line 1: parse error: {bad}".encode(), "text/plain")
                    return
                if fault == "timeout":
                    time.sleep(stub.delay)
                    self.close_connection = True
                    return
                if fault in ("429", "500", "504"):
                    reason = {"429": b"rate_limited", "500": b"<html>Internal error</html>",
                              "504": b"<html>Gateway Timeout</html>"}[fault]
                    self._send(int(fault), reason, "text/html")
                    return
                if fault == "malformed":
                    self._send(200, b"<html><body>Overpass is busy</body></html>", "text/html")
                    return
                if fault == "remark":
                    doc = {"version": 0.6, "generator": "stub", "elements": [],
                           "remark": "runtime error: Query timed out in \"query\" at line 1 after 2 seconds."}
                    self._send(200, json.dumps(doc).encode(), "application/json")
                    return
                body = json.dumps(stub.answer(query), ensure_ascii=False).encode("utf-8")
                if fault == "truncated":
                    half = body[: len(body) // 2]
                    self._send(200, half, "application/json")
                elif fault == "cut":
                    self._send(200, body[: len(body) // 2], "application/json", length=len(body))
                else:
                    self._send(200, body, "application/json")

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "OverpassStub":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the Overpass part ---------------------------------------------------------
    def answer(self, query: str) -> dict[str, Any]:
        """The Overpass JSON answer to ``query`` (ways matching its filters + their nodes)."""
        if "[out:json]" not in query.replace(" ", ""):
            raise ValueError("stub only speaks [out:json]")
        way_ids: set[int] = set()
        for clauses, area in parse_query(query):
            inside = prep(area)
            for wid, way in self.ways.items():
                if wid in way_ids or not all(_clause_matches(way["tags"], *c) for c in clauses):
                    continue
                if any(inside.intersects(Point(self.nodes[n]["lon"], self.nodes[n]["lat"])) for n in way["nodes"]):
                    way_ids.add(wid)
        node_ids = sorted({n for wid in way_ids for n in self.ways[wid]["nodes"]})
        elements = [self.nodes[n] for n in node_ids] + [self.ways[w] for w in sorted(way_ids)]
        return {"version": 0.6, "generator": "corridor overpass stub",
                "osm3s": {"timestamp_osm_base": "2025-01-01T00:00:00Z",
                          "copyright": "The data included in this document is from www.openstreetmap.org. "
                                       "The data is made available under ODbL."},
                "elements": elements}
