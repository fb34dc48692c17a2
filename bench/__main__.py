"""`python -m bench NAME`: run one benchmark (each is a module with a `main()`)."""

from __future__ import annotations

import importlib
import sys

# name -> module; imported only when chosen, so one benchmark's imports don't slow another.
BENCHMARKS = {
    "judge": "bench.judge_bench",
    "chat": "bench.chat_bench",
    "runs": "bench.runs_bench",
    "outbox": "bench.outbox_bench",
    "poll": "bench.poll_bench",
    "load": "bench.load_bench",
    "studio": "bench.studio_bench",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{','.join(sorted(BENCHMARKS))}}}", file=sys.stderr)
        return 2
    # The benchmark parses its own options from sys.argv, as if run as a module.
    sys.argv = [f"python -m bench {argv[0]}", *argv[1:]]
    importlib.import_module(BENCHMARKS[argv[0]]).main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
