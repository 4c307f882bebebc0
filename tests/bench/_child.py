"""What every benchmark group module shares: options, progress lines on stderr, a JSON result.

A group's `main(options)` returns
    {"figures": {name: number}, "notes": {name: text}, "targets": {name: {"max"|"min": number}},
     "info": [lines to print], "problems": [things that went wrong but left figures standing]}
`python -m tests.bench` runs each group as `python -m tests.bench.<group> --out FILE [options]`;
run alone without --out, a group prints its JSON on stdout (after whatever the app logged there).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=True)
    parser.add_argument("--out", help="write the result JSON here")
    parser.add_argument("--stock-moto", action="store_true",
                        help="no TransactWriteItems fix in the emulator (see crmlocal/moto_patches.py)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first CSV import")
    parser.add_argument("--rows", type=int, default=None, help="CSV rows (default 10000)")
    parser.add_argument("--people", type=int, default=None, help="pools: people in the table (default 100000)")
    parser.add_argument("--seed", choices=("direct", "http"), default="direct",
                        help="pools: put people straight into the emulator (default) or BatchWriteItem")
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100), at least 1
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def run(main) -> None:
    args = options()
    result = main(args)
    text = json.dumps(result, indent=2, sort_keys=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
