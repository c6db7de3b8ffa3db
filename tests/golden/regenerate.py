"""Rebuild the golden drafts: ``python -m tests.golden.regenerate [SUITE ...]`` (default: all suites).

Run it only after a change whose golden diff (``tests/assistant/test_golden_drafts.py``) is
understood and meant, and say in the commit message what moved and why.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.golden.drafts import SHARED_EVAL, SUITES, compute, differences, golden_path, load, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", help=f"suites to rebuild (of {', '.join(SUITES)})")
    args = parser.parse_args(argv)
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        print(f"unknown suite {', '.join(unknown)}; known: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    if not SHARED_EVAL.is_dir():
        print(f"{SHARED_EVAL} is absent: the golden drafts are built from the shared eval material", file=sys.stderr)
        return 2
    for name in args.suites or list(SUITES):
        started = time.perf_counter()
        rows = compute(name)
        changed = differences(load(name), rows, shown=10**9) if golden_path(name).is_file() else []
        path = write(name, rows)
        print(f"{name}: {len(rows)} drafts, {len(changed)} changed, {time.perf_counter() - started:.1f} s -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
