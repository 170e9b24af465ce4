"""``python -m ringmon.bench BENCHMARK [options]``: each benchmark is a module of this package
with ``main(argv) -> int`` and its own options (``python -m ringmon.bench ingest --help``).
Add one by naming it in ``BENCHMARKS``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

BENCHMARKS: dict[str, str] = {
    "ingest": "the model's ingest rate beside bare json.loads",
    "hub": "the hub's ingest rate from a file: source to storage and to a feed client",
    "snapshot": "the cost and size of /v1/snapshot at 2,000 and 10,000 employees",
    "board": "the live board's latency and frame cost under a stream of events",
    "push": "the hub's health latency during a big push, its peak RSS for a big body",
    "fanout": "commit -> the last of 200 WebSocket clients' receipt, at 1,000 events/s",
    "demo": "first rows of the demo's hub at 40, 2,000 and 10,000 employees (and its history)",
    "stalled": "hub memory with 100 feed clients that never read while 60,000 events flow",
    "first_rows": "the TUI's first rows on a 10,000-employee hub, its RSS, its imports",
    "terminal": "bytes the demo's board writes to a 120x40 terminal per second",
    "replay": "the board at a past moment (/v1/replay) at 2,000 employees, beside /v1/snapshot",
    "cluster": "hubs on NATS JetStream beside one SQLite hub: events/s to a client, latency",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in BENCHMARKS:
        print("usage: python -m ringmon.bench BENCHMARK [options]\n\nbenchmarks:", file=sys.stderr)
        for name, what in BENCHMARKS.items():
            print(f"  {name:10}{what}", file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    module = importlib.import_module(f"ringmon.bench.{args[0]}")
    result: int = module.main(args[1:])
    return result


if __name__ == "__main__":
    sys.exit(main())
