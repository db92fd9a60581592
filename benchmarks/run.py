"""Time `amomigrate export` against a naive pandas rename on the same workbook.

    python benchmarks/run.py [--rows 100000] [--keep] [--regenerate]

1. Makes benchmarks/data/deals-ROWS.xlsx with generate.py if it is missing (benchmarks/data/ is git-ignored).
2. Runs, each as a child process, one after the other:
   (a) amomigrate export FILE -p benchmarks/deals-profile.yaml --schema samples/account.json -o OUT --quiet
       (the `amomigrate` console script if it is on PATH, else `python -m migrate.cli` from this checkout);
   (b) python benchmarks/naive_export.py FILE OUT (pd.read_excel + rename + to_excel, default engines).
3. Prints wall seconds, peak RSS, rows/s and exit code of each, the export/naive ratios, and one JSON line.

Peak RSS is the child's own ru_maxrss from os.wait4() on that child's pid, so the two figures do not mix
(getrusage(RUSAGE_CHILDREN) would report the maximum over all children so far). Outputs go to
benchmarks/data/run-ROWS/ and are deleted afterwards unless --keep. These are figures, not a pass/fail
test; the exit code is 1 only when a child fails to run (export exit 1 = data errors, still timed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
PROFILE = BENCH / "deals-profile.yaml"
SCHEMA = ROOT / "samples" / "account.json"
sys.path.insert(0, str(ROOT))  # the checkout's package, as the benchmarked `amomigrate` is

from migrate.core.memory_budget import own_bytes  # noqa: E402 - a process's PSS, as the run budgets it


@dataclass
class Result:
    command: str
    wall_s: float
    peak_rss_mb: float
    rows_per_s: float
    exit: int
    peak_tree_mb: float = 0.0  # the largest sum of PSS over the child and its workers, sampled every 0.1 s
    walls: list[float] = dataclass_field(default_factory=list)  # each round's wall time (scale.py --repeat)


def _tree_rss_mb(pid: int) -> float:
    """Memory of `pid` and every descendant, summed as PSS (each shared page split among the processes
    that map it: forked workers share the parent's pages, which RSS would count once per process).
    Falls back to RSS where smaps_rollup is missing. Linux /proc only; 0.0 elsewhere."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += own_bytes(p) or 0
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total / 2**20


class _TreeSampler(threading.Thread):
    """Samples `_tree_rss_mb(pid)` until stopped; `peak` is the largest sample."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, _tree_rss_mb(self.pid))


def measure(cmd: list[str], rows: int, log: Path) -> Result:
    """Run `cmd` to completion; wall time from spawn to reap, peak RSS of that child alone (`wait4`), and
    the peak of the child's and its worker processes' PSS summed (`peak_tree_mb`, sampled; never below
    the child's own peak RSS)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; keep Popen consistent
    # ru_maxrss is KiB on Linux, bytes on macOS
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    shown = " ".join([Path(cmd[0]).name, *(c.replace(f"{ROOT}{os.sep}", "") for c in cmd[1:])])
    return Result(shown, round(wall, 2), round(rss, 1), round(rows / wall), proc.returncode,
                  round(max(sampler.peak, rss), 1))


def export_command() -> list[str] | None:
    """The amomigrate CLI: console script if installed, else `python -m migrate.cli`; None if neither."""
    script = shutil.which("amomigrate")
    if script:
        return [script]
    sys.path.insert(0, str(ROOT))
    try:
        found = importlib.util.find_spec("migrate.cli") is not None
    except ImportError:
        found = False
    return [sys.executable, "-m", "migrate.cli"] if found else None


def source_file(rows: int, regenerate: bool) -> Path:
    path = DATA / f"deals-{rows}.xlsx"
    if regenerate or not path.exists():
        print(f"generating {path.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(rows), str(path)], check=True)
    return path


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def report(rows: int, src: Path, export: Result | None, naive: Result) -> dict[str, object]:
    print(f"\nrows: {rows}   source: {src.relative_to(ROOT)} ({src.stat().st_size / 1e6:.1f} MB)")
    print(f"{'':20} {'wall s':>8} {'peak RSS MB':>12} {'rows/s':>9} {'exit':>5}")
    for label, r in (("amomigrate export", export), ("naive pandas", naive)):
        if r is None:
            print(f"{label:20} {'skipped: no amomigrate CLI (console script or migrate.cli)':>40}")
        else:
            print(f"{label:20} {r.wall_s:8.2f} {r.peak_rss_mb:12.1f} {r.rows_per_s:9d} {r.exit:5d}")
    summary: dict[str, object] = {
        "rows": rows,
        "source_mb": round(src.stat().st_size / 1e6, 1),
        "export": asdict(export) if export else None,
        "naive": asdict(naive),
        "ratio_wall": None,
        "ratio_rss": None,
    }
    if export:
        summary["ratio_wall"] = round(export.wall_s / naive.wall_s, 2)
        summary["ratio_rss"] = round(export.peak_rss_mb / naive.peak_rss_mb, 2)
        print(f"ratio export/naive: wall {summary['ratio_wall']}x, peak RSS {summary['ratio_rss']}x")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the workbook (default 100000)")
    parser.add_argument("--keep", action="store_true", help="keep the output workbooks and logs")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the source workbook")
    args = parser.parse_args(argv)

    src = source_file(args.rows, args.regenerate)
    work = DATA / f"run-{args.rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    export = None
    cli = export_command()
    if cli:
        cmd = [*cli, "export", str(src), "-p", str(PROFILE), "--schema", str(SCHEMA)]
        cmd += ["-o", str(work / "export.xlsx"), "--quiet"]
        print("running amomigrate export ...", flush=True)
        export = measure(cmd, args.rows, work / "export.log")
    print("running naive pandas export ...", flush=True)
    naive = measure(
        [sys.executable, str(BENCH / "naive_export.py"), str(src), str(work / "naive.xlsx")],
        args.rows,
        work / "naive.log",
    )

    summary = report(args.rows, src, export, naive)
    failed = [("export", export)] if export and export.exit not in (0, 1) else []
    failed += [("naive", naive)] if naive.exit != 0 else []
    if export and export.exit == 1:
        print("note: export exit 1 = the data has errors (some rows rejected); timing still valid")
    for name, r in failed:
        print(f"\n{name} failed (exit {r.exit}); last lines of {name}.log:\n{tail(work / f'{name}.log')}")
    print(json.dumps(summary, ensure_ascii=False))
    if args.keep or failed:
        print(f"outputs and logs kept in {work.relative_to(ROOT)}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
