"""How `validate` and `export` scale with rows, next to `pandas.read_csv(dtype=str)` of the same file.

    python benchmarks/scale.py                          # 100000, 1000000 and 2000000 rows
    python benchmarks/scale.py --rows 100000,1000000    # other sizes
    python benchmarks/scale.py --xlsx-rows 100000       # also export the N-row workbook at these sizes
    python benchmarks/scale.py --rows 1000000 --repeat 3   # three interleaved rounds, median wall times

For each size N it writes benchmarks/data/deals-N.csv (the `generate.py` rows as a `;` CSV) if missing,
then runs, each as its own child process, one after the other:

1. `pandas.read_csv(FILE, sep=";", dtype=str)` — the floor: read the same file with pandas, nothing else;
2. `amomigrate validate FILE -p benchmarks/deals-profile.yaml --schema samples/account.json --quiet`;
3. `amomigrate export FILE ... -o OUT.csv --quiet`;
4. (sizes in `--xlsx-rows`) `amomigrate export deals-N.xlsx ... -o OUT.xlsx --quiet`.

Before the steps each file is read once, so that none of them reads a cold file from the disk. With
`--repeat N` the steps run N rounds, interleaved (read_csv, validate, export, read_csv, …), and each
step's wall time is the median of its rounds (its memory the largest): this machine's speed moves by a
factor of two within an hour, and one round's ratio moves with it.

It prints wall seconds and peak RSS of each child, and each step's ratio to step 1 *of the same run*
(machines and neighbours differ; ratios measured side by side travel better than seconds), as a table
and one JSON line. Wall time and peak RSS are measured as in run.py (`os.wait4` on the child's pid); "all
procs MB" sums the PSS of the child and the block pass's worker processes (sampled every 0.1 s; PSS
splits the pages forked workers share with the parent), and the RSS ratio uses it.
Figures, not pass/fail: the exit code is 1 only when a child could not run (exit 2 or a crash).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import DATA, PROFILE, ROOT, SCHEMA, Result, export_command, measure, source_file, tail  # noqa: E402

READ_CSV = 'import sys, pandas as pd; frame = pd.read_csv(sys.argv[1], sep=";", dtype=str); print(len(frame))'


def csv_file(rows: int) -> Path:
    path = DATA / f"deals-{rows}.csv"
    if not path.exists():
        print(f"generating {path.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(rows), str(path)], check=True)
    return path


def run_size(rows: int, cli: list[str], xlsx: bool, work: Path, repeat: int = 1) -> dict[str, Result]:
    """Every step at one size, `repeat` rounds; the outputs go to `work` (deleted by the caller)."""
    src = csv_file(rows)
    common = ["-p", str(PROFILE), "--schema", str(SCHEMA), "--quiet"]
    steps: dict[str, list[str]] = {
        "read_csv": [sys.executable, "-c", READ_CSV, str(src)],
        "validate": [*cli, "validate", str(src), *common],
        "export csv": [*cli, "export", str(src), *common, "-o", str(work / "export.csv")],
    }
    if xlsx:
        book = source_file(rows, regenerate=False)
        steps["export xlsx"] = [*cli, "export", str(book), *common, "-o", str(work / "export.xlsx")]
    for path in (src, book) if xlsx else (src,):
        _warm(path)
    rounds: dict[str, list[Result]] = {name: [] for name in steps}
    for n in range(repeat):  # the steps interleaved, round after round: a slow spell meets every step
        for name, cmd in steps.items():
            print(f"  {rows} rows: {name}{f' (round {n + 1} of {repeat})' if repeat > 1 else ''} ...", flush=True)
            rounds[name].append(measure(cmd, rows, work / f"{name.replace(' ', '-')}.log"))
    return {name: _median(runs) for name, runs in rounds.items()}


def _median(runs: list[Result]) -> Result:
    """One step's rounds as one Result: the median wall time (its rows per second), the largest memory,
    the worst exit code; every round's wall time is kept in `walls`."""
    middle = statistics.median(r.wall_s for r in runs)
    at = min(runs, key=lambda r: abs(r.wall_s - middle))
    return replace(at, wall_s=round(middle, 2), peak_rss_mb=max(r.peak_rss_mb for r in runs),
                   peak_tree_mb=max(r.peak_tree_mb for r in runs), exit=max(r.exit for r in runs),
                   rows_per_s=round(at.rows_per_s * at.wall_s / middle) if middle else at.rows_per_s,
                   walls=[r.wall_s for r in runs])  # fmt: skip


def _warm(path: Path) -> None:
    """Read the file once before any step: the first step to read a file the page cache has not seen
    reads the disk (a 1M-row `read_csv` took 12.4 s so, against 2.7-5.3 s warm), and the ratios must
    compare parsing with parsing."""
    with open(path, "rb") as fh:
        while fh.read(16 << 20):
            pass


def table(all_results: dict[int, dict[str, Result]]) -> list[dict[str, object]]:
    """Print the table; return its lines as dicts for the JSON line."""
    print(f"\n{'rows':>9} {'step':<12} {'wall s':>8} {'peak RSS MB':>12} {'all procs MB':>13} {'× read_csv':>11} "
          f"{'RSS ×':>7} {'exit':>5}", flush=True)  # fmt: skip
    lines = []
    for rows, results in all_results.items():
        base = results["read_csv"]
        for name, r in results.items():
            wall_x = round(r.wall_s / base.wall_s, 1) if base.wall_s else None
            rss_x = round(r.peak_tree_mb / base.peak_tree_mb, 2) if base.peak_tree_mb else None
            print(f"{rows:>9} {name:<12} {r.wall_s:8.2f} {r.peak_rss_mb:12.1f} {r.peak_tree_mb:13.1f} {wall_x:>10}× "
                  f"{rss_x:>6}× {r.exit:5d}", flush=True)  # fmt: skip
            lines.append({"rows": rows, "step": name, **asdict(r), "ratio_wall": wall_x, "ratio_rss": rss_x})
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000,2000000", help="comma-separated sizes")
    parser.add_argument("--xlsx-rows", default="100000", help="sizes at which the workbook is exported too ('' none)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every step, interleaved; the table shows each step's median wall time")
    parser.add_argument("--keep", action="store_true", help="keep outputs and logs in benchmarks/data/scale-N/")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.rows.split(",") if s.strip()]
    xlsx_sizes = {int(s) for s in args.xlsx_rows.split(",") if s.strip()}
    cli = export_command()
    if cli is None:
        print("no amomigrate CLI (console script or migrate.cli): nothing to measure")
        return 1
    all_results: dict[int, dict[str, Result]] = {}
    failed = []
    for rows in sizes:
        work = DATA / f"scale-{rows}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        all_results[rows] = run_size(rows, cli, rows in xlsx_sizes, work, max(1, args.repeat))
        bad = [n for n, r in all_results[rows].items() if r.exit not in (0, 1)]
        for name in bad:
            print(f"\n{name} at {rows} failed; log tail:\n{tail(work / (name.replace(' ', '-') + '.log'))}")
        failed += bad
        if not (args.keep or bad):
            shutil.rmtree(work, ignore_errors=True)
        table({rows: all_results[rows]})  # each size as soon as it is done: big sizes take long
    print("\nall sizes:")
    lines = table(all_results)
    print(json.dumps({"scale": lines}, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
