"""Tests of the live OSM source against a local Overpass stub (no network beyond 127.0.0.1)."""

from __future__ import annotations

import copy
import gzip
import json
import socket
import sys
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest
from osmnx import _overpass

from corridor.errors import InputError
from corridor.sources import SourceNetworks, osm

sys.path.insert(0, str(Path(__file__).parent))
from overpass_stub import OverpassStub  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "osm" / "hunchun_border.osm"
REGION = "130.5,42.6,130.85,42.95"
HOSTILE = "<img src=x onerror=alert(1)>"
FAULTS = ["timeout", "429", "500", "504", "truncated", "cut", "malformed", "remark"]
#: part of the FetchError message each fault must produce
FAULT_TEXT = {
    "timeout": "no answer within 0.3 s",
    "429": "HTTP 429",
    "500": "HTTP 500",
    "504": "HTTP 504",
    "truncated": "malformed or truncated JSON",
    "cut": "broke off mid-answer",
    "malformed": "malformed or truncated JSON",
    "remark": "runtime error",
}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def _isolated_osmnx(monkeypatch):
    """Restore every OSMnx setting (and the request function) after each test."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    kinds = (str, int, float, bool, list, dict, tuple, type(None), Path)
    saved = {k: copy.deepcopy(v) for k, v in vars(ox.settings).items()
             if not k.startswith("_") and isinstance(v, kinds)}
    request = _overpass._overpass_request
    yield
    for k, v in saved.items():
        setattr(ox.settings, k, v)
    _overpass._overpass_request = request


@pytest.fixture
def stub():
    with OverpassStub(FIXTURE, delay=0.8) as server:
        yield server


@pytest.fixture
def dirs(tmp_path):
    return {"cache_dir": tmp_path / "cache", "out_dir": tmp_path / "out"}


def run(stub, dirs, region=REGION, **kw):
    args = {"overpass_url": stub.url, "tile_deg": 1.0, "timeout": 0.3, "retries": 2, "backoff": 0.01, **dirs}
    args.update(kw)
    return osm.fetch(region, **args)


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edge_key_set(G):
    return {(u, v, d.get("osmid") if not isinstance(d.get("osmid"), list) else tuple(d["osmid"]))
            for u, v, d in G.edges(data=True)}


def check_contract(nets: SourceNetworks):
    for G in (nets.road, nets.rail) + ((nets.ferry,) if nets.ferry is not None else ()):
        assert isinstance(G, nx.MultiDiGraph)
        assert str(G.graph["crs"]).lower() == "epsg:4326"
        for _, d in G.nodes(data=True):
            assert isinstance(d["x"], float) and isinstance(d["y"], float)
        for _, _, d in G.edges(data=True):
            assert float(d["length"]) > 0


# --------------------------------------------------------------------------- fetch

def test_fetch_builds_road_rail_ferry_with_kept_tags(stub, dirs):
    nets = run(stub, dirs)
    check_contract(nets)
    assert nets.source == "osm" and nets.region == REGION and nets.bbox == (130.5, 42.6, 130.85, 42.95)
    assert stub.interpreter_requests == 3  # one tile, three filters
    queries = [r["query"] for r in stub.requests]
    assert any('["highway"~' in q for q in queries)
    assert any('["railway"~' in q for q in queries)
    assert any('["route"="ferry"]' in q for q in queries)

    road, rail, ferry = nets.road, nets.rail, nets.ferry
    assert {d["highway"] for _, _, d in road.edges(data=True)} == {"primary", "secondary", "tertiary", "trunk"}
    speeds = [d.get("maxspeed") for _, _, d in road.edges(data=True)]
    assert "60" in speeds and "90" in speeds and None in speeds  # with and without maxspeed
    assert HOSTILE in {d.get("name") for _, _, d in road.edges(data=True)}
    assert road.nodes[5]["barrier"] == "border_control"  # kept through simplification
    assert 15 not in road  # a lift gate is not a reason to keep a node
    assert road.has_edge(3, 11) and not road.has_edge(11, 3)  # oneway tertiary
    assert 14 not in road  # footway never downloaded

    assert {d["gauge"] for _, _, d in rail.edges(data=True)} == {"1435", "1435;1520", "1520"}
    assert rail.has_edge(104, 105) and rail.edges[104, 105, 0]["gauge"] == "1435;1520"  # break of gauge not merged away
    main = rail.edges[101, 104, 0]
    assert (main["railway"], main["usage"], main["electrified"], main["name"]) == ("rail", "main", "no", "珲马铁路")
    assert rail.edges[106, 110, 0]["service"] == "siding"
    assert 111 not in rail  # railway=disused filtered out
    assert rail.edges[105, 106, 0]["ref"] == "ДВЖД"

    assert ferry is not None and ferry.edges[201, 203, 0]["route"] == "ferry"
    assert ferry.edges[201, 203, 0]["duration"] == "01:00"
    assert nx.number_weakly_connected_components(road) == 1


def test_fetch_saves_graphml_and_meta_atomically(stub, dirs):
    nets = run(stub, dirs)
    folder = dirs["out_dir"] / osm.region_slug(REGION)
    assert Path(nets.meta["dir"]) == folder
    assert sorted(p.name for p in folder.iterdir()) == ["ferry.graphml", "meta.json", "rail.graphml", "road.graphml"]
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["attribution"] == "© OpenStreetMap contributors (ODbL)"
    assert meta["overpass_url"] == stub.url and meta["bbox"] == [130.5, 42.6, 130.85, 42.95]
    assert meta["osmnx_version"] == ox.__version__
    assert meta["fetched_utc"].endswith("Z")
    assert meta["counts"]["rail"] == {"nodes": nets.rail.number_of_nodes(), "edges": nets.rail.number_of_edges(),
                                      "length_km": pytest.approx(nets.meta["counts"]["rail"]["length_km"])}
    assert meta["counts"]["ferry"]["edges"] == 2
    # the hostile name is stored as escaped XML text, never as markup
    road_xml = (folder / "road.graphml").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in road_xml and HOSTILE not in road_xml
    # raw answers cached, each a complete Overpass document
    cached = sorted(dirs["cache_dir"].iterdir())
    assert len(cached) == 3
    assert all(isinstance(json.loads(p.read_text(encoding="utf-8"))["elements"], list) for p in cached)


def test_load_saved_round_trip(stub, dirs):
    nets = run(stub, dirs)
    assert osm.load_saved("130.6,42.6,130.85,42.95", dirs["out_dir"]) is None  # never fetched
    back = osm.load_saved(REGION, dirs["out_dir"])
    check_contract(back)
    assert back.source == "osm" and back.region == REGION
    assert nets.meta["fetched_utc"] in back.detail and stub.url in back.detail and "full-detail" in back.detail
    for mode in ("road", "rail", "ferry"):
        assert edge_key_set(getattr(back, mode)) == edge_key_set(getattr(nets, mode))
    assert HOSTILE in {d.get("name") for _, _, d in back.road.edges(data=True)}
    assert {d["gauge"] for _, _, d in back.rail.edges(data=True)} == {"1435", "1435;1520", "1520"}
    assert osm.saved_regions(dirs["out_dir"]) == [REGION]


def test_saved_regions_lists_presets_and_boxes(stub, dirs):
    assert osm.saved_regions(dirs["out_dir"]) == []
    run(stub, dirs)
    ox.settings.max_query_area_size = 1e12  # one request per filter for the whole preset (restored by fixture)
    run(stub, dirs, region="tumen", tile_deg=5.0)  # the fixture lies inside the preset
    assert sorted(osm.saved_regions(dirs["out_dir"])) == sorted([REGION, "tumen"])
    assert (dirs["out_dir"] / "tumen" / "meta.json").is_file()
    assert osm.load_saved("tumen", dirs["out_dir"]).rail.number_of_edges() > 0


def test_load_saved_rejects_broken_or_mixed_files(stub, dirs):
    run(stub, dirs)
    folder = dirs["out_dir"] / osm.region_slug(REGION)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    (folder / "meta.json").write_text(json.dumps({**meta, "fetched_utc": "2000-01-01T00:00:00Z"}), encoding="utf-8")
    with pytest.raises(InputError, match="not from the same fetch"):
        osm.load_saved(REGION, dirs["out_dir"])
    (folder / "meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="meta.json: unreadable"):
        osm.load_saved(REGION, dirs["out_dir"])


def test_detail_adds_local_roads(stub, dirs):
    nets = run(stub, dirs, detail=True)
    classes = {d["highway"] for _, _, d in nets.road.edges(data=True)}
    assert {"residential", "service"} <= classes and "footway" not in classes
    assert "unclassified/residential/service" in nets.detail


def test_tiles_join_exactly_like_one_request(stub, dirs, tmp_path):
    one = run(stub, dirs)
    calls = []
    four = run(stub, {"cache_dir": tmp_path / "c4", "out_dir": tmp_path / "o4"}, tile_deg=0.2,
               progress=lambda done, total, msg: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert stub.interpreter_requests == 3 + 4 * 3
    assert four.meta["tiles"] == 4
    for mode in ("road", "rail", "ferry"):
        assert edge_key_set(getattr(four, mode)) == edge_key_set(getattr(one, mode))


def test_status_endpoint_paces_requests_unless_disabled(stub, dirs, tmp_path):
    run(stub, dirs)
    assert stub.status_requests == stub.interpreter_requests == 3
    ox.settings.overpass_rate_limit = False
    run(stub, {"cache_dir": tmp_path / "c2", "out_dir": tmp_path / "o2"})
    assert stub.status_requests == 3 and stub.interpreter_requests == 6


def test_busy_status_page_makes_client_wait_capped(stub, dirs, monkeypatch):
    stub.status_text = (
        "Connected as: 1\nCurrent time: 2025-01-01T00:00:00Z\nAnnounced endpoint: none\nRate limit: 2\n"
        "Slot available after: 2025-01-01T00:00:40Z, in 40 seconds.\n"
        "Slot available after: 2025-01-01T00:00:30Z, in 30 seconds.\n"
        "Currently running queries (pid, space limit, time limit, start time):\n"
    )
    waits = []
    monkeypatch.setattr(osm, "OVERPASS_MAX_DELAY_S", 0.01)
    monkeypatch.setattr(osm.time, "sleep", lambda s: waits.append(s))
    run(stub, dirs)
    assert stub.status_requests == 3 and waits == [0.01, 0.01, 0.01]  # 30 s wanted, capped


def test_region_without_data_gives_empty_graphs(stub, dirs):
    nets = run(stub, dirs, region="10,10,10.1,10.1")
    assert nets.road.number_of_edges() == nets.rail.number_of_edges() == 0 and nets.ferry is None
    assert stub.interpreter_requests == 3
    back = osm.load_saved("10,10,10.1,10.1", dirs["out_dir"])
    assert back.road.number_of_nodes() == 0 and back.ferry is None


def test_cache_serves_repeat_fetch_without_server(stub, dirs):
    run(stub, dirs)
    stub.fail("500", times=100)
    nets = run(stub, dirs)
    assert stub.interpreter_requests == 3  # nothing new reached the server
    assert nets.meta["cache_hits"] == 3 and nets.meta["requests_sent"] == 0


def test_corrupt_cache_file_is_ignored_and_replaced(stub, dirs):
    run(stub, dirs)
    victim = sorted(dirs["cache_dir"].iterdir())[0]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 2])  # e.g. a crash while another tool wrote it
    run(stub, dirs)
    assert stub.interpreter_requests == 4  # only the broken entry was fetched again
    assert victim.read_bytes() == good


def test_fetch_leaves_osmnx_settings_as_it_found_them(stub, dirs):
    before = (ox.settings.overpass_url, ox.settings.cache_folder, ox.settings.use_cache,
              ox.settings.requests_timeout, list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node))
    request = _overpass._overpass_request
    run(stub, dirs)
    stub.fail("500", times=10)
    with pytest.raises(osm.FetchError):
        run(stub, dirs, detail=True)
    after = (ox.settings.overpass_url, ox.settings.cache_folder, ox.settings.use_cache,
             ox.settings.requests_timeout, list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node))
    assert after == before and _overpass._overpass_request is request
    assert "gauge" not in ox.settings.useful_tags_way


# --------------------------------------------------------------------------- faults

@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_retried_then_succeeds(stub, dirs, fault):
    stub.fail(fault, times=2)
    nets = run(stub, dirs)
    # the first query was tried 3 times (2 faults + 1 good), the other two once
    assert [r["fault"] for r in stub.requests] == [fault, fault, None, None, None]
    assert len({r["query"] for r in stub.requests[:3]}) == 1
    assert nets.meta["requests_sent"] == 5
    assert {d["gauge"] for _, _, d in nets.rail.edges(data=True)} == {"1435", "1435;1520", "1520"}
    # only good answers were cached, each complete
    cached = sorted(dirs["cache_dir"].iterdir())
    assert len(cached) == 3
    for p in cached:
        assert json.loads(p.read_text(encoding="utf-8"))["elements"]


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_exhausts_retries_and_keeps_previous_data(stub, dirs, fault):
    run(stub, dirs)  # a previous good fetch: saved graphs + cache
    out_before, cache_before = snapshot(dirs["out_dir"]), snapshot(dirs["cache_dir"])
    sent_before = stub.interpreter_requests
    stub.fail(fault, times=100)
    with pytest.raises(osm.FetchError) as info:
        run(stub, dirs, detail=True)  # new road query: a cache miss that must reach the server
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert f"{stub.url}/interpreter" in message and "3 tries" in message
    assert FAULT_TEXT[fault] in message
    assert "again" in message or "--overpass-url" in message  # says what to do
    assert err.tries == 3 and err.url == f"{stub.url}/interpreter"
    assert stub.interpreter_requests - sent_before == 3  # retried exactly `retries` times, then stopped
    # nothing half-written: previous graphs and cache byte-identical, no temp files
    assert snapshot(dirs["out_dir"]) == out_before
    assert snapshot(dirs["cache_dir"]) == cache_before
    assert osm.load_saved(REGION, dirs["out_dir"]).road.number_of_edges() > 0


def test_rate_limit_message_says_to_wait(stub, dirs):
    stub.fail("429", times=100)
    with pytest.raises(osm.FetchError, match="rate-limiting: wait a few minutes"):
        run(stub, dirs, retries=0)
    assert stub.interpreter_requests == 1
    assert not dirs["out_dir"].exists() and snapshot(dirs["cache_dir"]) == {}


def test_rejected_query_is_not_retried(stub, dirs):
    with pytest.raises(osm.FetchError, match="HTTP 404.*after 1 try"):
        run(stub, dirs, overpass_url=stub.url + "/wrong")
    assert stub.interpreter_requests == 0


def test_unreachable_server(dirs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(osm.FetchError, match=r"connection failed.*2 tries"):
        osm.fetch(REGION, overpass_url=f"http://127.0.0.1:{port}/api", retries=1, backoff=0.01,
                  timeout=1, tile_deg=1.0, **dirs)
    assert not dirs["out_dir"].exists()


def test_server_side_timeout_is_whole_seconds(stub, dirs):
    run(stub, dirs, timeout=0.3)
    assert all("[timeout:1]" in r["query"] for r in stub.requests)


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("region, words", [
    ("", "empty region"),
    ("mars", "unknown region 'mars'"),
    ("1,2,3", "has 3 numbers, needs 4"),
    ("a,b,c,d", "not four numbers"),
    ("nan,1,2,3", "non-finite"),
    ("131,42,130,43", "west < east"),
    ("130,43,131,42", "south < north"),
    ("130,42,200,43", "east <= 180"),
])
def test_bad_region_is_rejected_with_one_line(stub, dirs, region, words):
    with pytest.raises(InputError) as info:
        run(stub, dirs, region=region)
    message = str(info.value)
    assert words in message and "valid:" in message and "tumen" in message and "\n" not in message
    assert stub.interpreter_requests == 0


def test_region_presets_and_normalisation():
    assert osm.parse_region(" TUMEN ")[0] == "tumen"
    assert osm.parse_region("130.50, 42.6,130.85,42.95") == (REGION, (130.5, 42.6, 130.85, 42.95))
    assert osm.region_slug(REGION) == "bbox_130.5_42.6_130.85_42.95"
    assert len(osm.tile_grid((129.3, 41.9, 131.95, 43.9), 0.5)) == 24


@pytest.mark.parametrize("kw, words", [
    ({"timeout": 0}, "timeout must be"),
    ({"retries": -1}, "retries must be"),
    ({"overpass_url": "ftp://example.org"}, "not an http(s) URL"),
    ({"tile_deg": 0.001}, "more than 1000"),
])
def test_bad_fetch_options(stub, dirs, kw, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        run(stub, dirs, **kw)
    assert stub.interpreter_requests == 0


# --------------------------------------------------------------------------- user .osm files

def test_load_osm_file(tmp_path):
    nets = osm.load_osm_file(FIXTURE)
    check_contract(nets)
    assert nets.source == "osm-file" and "hunchun_border.osm" in nets.detail
    classes = {d["highway"] for _, _, d in nets.road.edges(data=True)}
    assert {"primary", "trunk", "residential", "service"} <= classes and "footway" not in classes
    assert {d["gauge"] for _, _, d in nets.rail.edges(data=True)} == {"1435", "1435;1520", "1520"}
    assert 111 not in nets.rail
    assert nets.ferry is not None and nets.ferry.number_of_edges() == 2
    assert nets.road.nodes[5]["barrier"] == "border_control"
    assert HOSTILE in {d.get("name") for _, _, d in nets.road.edges(data=True)}
    # compressed files work too
    gz = tmp_path / "f.osm.gz"
    gz.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert edge_key_set(osm.load_osm_file(gz).rail) == edge_key_set(nets.rail)


def test_load_osm_file_matches_fetch_on_main_roads(stub, dirs):
    fetched = run(stub, dirs)
    from_file = osm.load_osm_file(FIXTURE)
    assert edge_key_set(from_file.rail) == edge_key_set(fetched.rail)
    assert edge_key_set(from_file.ferry) == edge_key_set(fetched.ferry)


def test_load_osm_file_bbox():
    nets = osm.load_osm_file(FIXTURE, region_bbox=(130.67, 42.6, 130.85, 42.95))  # the Russian side
    assert nets.bbox == (130.67, 42.6, 130.85, 42.95)
    gauges = {d["gauge"] for _, _, d in nets.rail.edges(data=True)}
    assert "1520" in gauges and "1435" not in gauges
    with pytest.raises(InputError, match="no roads, railways or ferry routes inside the requested bbox"):
        osm.load_osm_file(FIXTURE, region_bbox="120,30,121,31")
    with pytest.raises(InputError, match="valid:"):
        osm.load_osm_file(FIXTURE, region_bbox="nowhere")


@pytest.mark.parametrize("content, words", [
    (None, "OSM file not found"),
    (b"just some text\n", "not an OSM XML file"),
    (b"<html><body>hello</body></html>", "not an OSM XML file (no OSM nodes or ways"),
    (FIXTURE.read_bytes()[:2000], "not an OSM XML file"),
    (b"\xff\xfe\x00\x01binary", "not an OSM XML file"),
    (b'<osm version="0.6"><node id="1" lat="1" lon="1"/></osm>', "no roads, railways or ferry routes"),
])
def test_load_osm_file_rejects_bad_input(tmp_path, content, words):
    path = tmp_path / "bad.osm"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        osm.load_osm_file(path)
    assert words in str(info.value) and "\n" not in str(info.value)
