"""Upload throughput against the local sandbox, next to the bound AmoCRM's rate limit sets.

    python benchmarks/upload_bench.py [--rows 2000] [--rate 7] [--no-notes] [--faults]

Generates benchmarks/data/deals-ROWS.xlsx with generate.py if missing (seeded), starts a Sandbox serving
samples/account.json on a free local port (7 req/s limit, as the real service), uploads the workbook with
benchmarks/deals-profile.yaml through `migrate.api.upload`, and prints:

- requests/s against the rate (every request counts: leads, notes, retries);
- rows/s against the bound `rate × 50` (50 leads per `/leads/complex` request) — notes cost extra requests
  (one per 50 notes), so with comments the ceiling is lower; `--no-notes` measures the leads alone;
- whether the sandbox ended with exactly one lead, contact and company per row, and the largest number of
  requests the sandbox saw in any rolling second (must be ≤ 7).

`--faults` adds 10% 429s, 5% 5xx and 3% dropped connections. Figures, not pass/fail; one JSON line last.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migrate import api  # noqa: E402
from migrate.amocrm.client import RetryPolicy  # noqa: E402
from migrate.core.profile import load_profile  # noqa: E402
from migrate.core.schema import load_schema  # noqa: E402
from migrate.sandbox.server import Sandbox  # noqa: E402

PROFILE = ROOT / "benchmarks" / "deals-profile.yaml"
SCHEMA = ROOT / "samples" / "account.json"


def workbook(rows: int) -> Path:
    out = ROOT / "benchmarks" / "data" / f"deals-{rows}.xlsx"
    if not out.exists():
        spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)  # type: ignore[union-attr]
        gen.generate(rows, out)
    return out


def max_per_second(times: list[float]) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=7.0)
    ap.add_argument("--no-notes", action="store_true", help="drop the comment column (leads only)")
    ap.add_argument("--faults", action="store_true", help="10%% 429, 5%% 5xx, 3%% drops")
    args = ap.parse_args(argv)
    source = workbook(args.rows)
    profile = load_profile(PROFILE)
    if args.no_notes:
        profile.drop("Комментарий")
    faults = {"fail_429": 0.10, "fail_5xx": 0.05, "drop": 0.03} if args.faults else {}
    with Sandbox(load_schema(SCHEMA), seed=7, **faults) as sb, tempfile.TemporaryDirectory() as tmp:
        os.environ["AMOCRM_TOKEN"] = sb.token
        t0 = time.perf_counter()
        result = api.upload(source, profile, SCHEMA, base_url=sb.url, rate=args.rate, journal=Path(tmp) / "j.sqlite",
                            success=Path(tmp) / "ok.xlsx", errors=Path(tmp) / "err.xlsx",
                            retry=RetryPolicy(base=0.2, cap=5), recovery_wait=0.5)  # fmt: skip
        wall = time.perf_counter() - t0
        stats = result.stats
        seconds = stats["seconds"]
        per_lead = Counter()
        for lead in sb.store.leads.values():
            per_lead[lead["name"]] += 1
        out = {
            "rows": result.read,
            "uploaded": result.uploaded,
            "rejected": result.rejected,
            "notes": not args.no_notes,
            "faults": args.faults,
            "wall_s": round(wall, 2),
            "upload_s": seconds,
            "requests": stats["requests"],
            "requests_per_s": round(stats["requests"] / seconds, 2),
            "paced_requests_per_s": round((len(sb.requests) - 1) / (sb.requests[-1].time - sb.requests[0].time), 2),
            "waited_s": stats["waited"],
            "rows_per_s": round(result.uploaded / seconds, 1),
            "bound_rows_per_s": args.rate * 50,
            "of_bound": round(result.uploaded / seconds / (args.rate * 50), 3),
            "throttled": stats["throttled"],
            "retries": stats["retries"],
            "recovered_batches": stats["recovered_batches"],
            "leads": len(sb.store.leads),
            "contacts": len(sb.store.contacts),
            "companies": len(sb.store.companies),
            "duplicate_leads": sum(n - 1 for n in per_lead.values() if n > 1),
            "max_requests_in_1s": max_per_second([r.time for r in sb.requests]),
        }
    print(f"rows {out['rows']}: uploaded {out['uploaded']}, rejected {out['rejected']}; "
          f"upload {seconds:.1f} s ({out['wall_s']:.1f} s with reading and validation)")  # fmt: skip
    print(f"requests {out['requests']}: {out['requests_per_s']}/s over the upload, "
          f"{out['paced_requests_per_s']}/s first to last arrival, of {args.rate:g}/s allowed; "
          f"max in any 1 s window: {out['max_requests_in_1s']}; "
          f"{out['waited_s']} s spent waiting (429, backoff)")  # fmt: skip
    print(f"rows/s {out['rows_per_s']} of bound {out['bound_rows_per_s']:g} ({out['of_bound']:.0%})")
    print(f"sandbox: {out['leads']} leads, {out['contacts']} contacts, {out['companies']} companies, "
          f"{out['duplicate_leads']} duplicate leads")  # fmt: skip
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
