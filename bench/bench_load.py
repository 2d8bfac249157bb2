"""How long loading each region takes: snapshot file, network build, engine arrays.

Baseline: parsing the region's snapshot JSON alone, measured in the same run.
Run: python bench/bench_load.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median_time, report  # noqa: E402

from corridor import settings  # noqa: E402
from corridor.engine import Engine  # noqa: E402
from corridor.network import build  # noqa: E402
from corridor.registry import load_registry  # noqa: E402
from corridor.sources.snapshot import load_snapshot, snapshot_path  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    reg = load_registry()
    for region in settings.REGIONS:
        path = snapshot_path(region)
        src = load_snapshot(region)
        net = build(src, reg)
        rows = [
            ("parse snapshot JSON (baseline)", median_time(lambda: json.loads(path.read_text()), args.repeat)),
            ("load_snapshot (JSON -> graphs)", median_time(lambda: load_snapshot(region), args.repeat)),
            ("network.build (multimodal graph)", median_time(lambda: build(load_snapshot(region), reg), args.repeat)),
            ("engine arrays (CSR, time)", median_time(lambda: Engine(net.graph, "time"), args.repeat)),
        ]
        total = rows[2][1] + rows[3][1]
        print(f"\nregion {region}: {net.graph.number_of_nodes():,} nodes, {net.graph.number_of_edges():,} edges")
        report(rows, "parse snapshot JSON (baseline)")
        print(f"snapshot -> ready engine: {total:.3f} s median (build includes loading)")


if __name__ == "__main__":
    main()
