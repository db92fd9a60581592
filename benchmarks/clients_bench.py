"""Time the repeated-client keys (`migrate.quality.clients`) on a large mapped deals table.

    python benchmarks/generate.py 1000000 /tmp/d1m.csv
    AMOMIGRATE_MAX_SOURCE_MB=400 \
    python benchmarks/clients_bench.py map /tmp/d1m.csv /tmp/d1m.pkl     # map once (slow), pickle the table
    python benchmarks/clients_bench.py keys /tmp/d1m.pkl                  # client_keys (entity → row → key)
    python benchmarks/clients_bench.py notes /tmp/d1m.pkl                 # repeated_clients_notes (counts only)

Each timing runs in its own process so its peak RSS (`ru_maxrss`) is its own; the peak of loading the
pickle and the resident set before the step are printed too (the step's growth shows only above the
loading peak). `notes` passes a report that rejects no row (the generated rows are all valid). The 1M-row
CSV is 276 MB, over the default source bound: hence AMOMIGRATE_MAX_SOURCE_MB for `map`.
"""

from __future__ import annotations

import pickle
import resource
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now_mb() -> float:
    """The resident set now (Linux), to tell the step's own growth from the peak of loading the table."""
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    return next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmRSS:")), float("nan"))


def main(argv: list[str]) -> None:
    step, src = argv[0], Path(argv[1])
    if step == "map":
        from migrate import api

        mapped = api.apply_profile(src, ROOT / "benchmarks" / "deals-profile.yaml", ROOT / "samples" / "account.json")
        Path(argv[2]).write_bytes(pickle.dumps(mapped, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"mapped {len(mapped.frame)} rows, peak RSS {_rss_mb():.0f} MB")
        return
    from migrate.quality.clients import client_keys, repeated_clients_notes, repeats

    with src.open("rb") as f:
        mapped = pickle.load(f)
    loaded, resident = _rss_mb(), _now_mb()
    start = time.perf_counter()
    if step == "keys":
        keys = client_keys(mapped)
        what = "; ".join(f"{e}: {len(k)} rows" for e, k in keys.items()) + " | " + "; ".join(map(str, repeats(keys)))
    else:
        what = " ".join(repeated_clients_notes(mapped, SimpleNamespace(rejected_rows=[])))[:160]
    took = time.perf_counter() - start
    print(f"{step}: {took:.1f} s, peak RSS {_rss_mb():.0f} MB (loading peaked at {loaded:.0f} MB, "
          f"{resident:.0f} MB resident before the step) — {what}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
