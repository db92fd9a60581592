"""Hostile sources end in a clear refusal (exit 2) within seconds and bounded memory (issue 12, items 5, 6, 9).

Each probe runs the real command line in a child process capped by RLIMIT_AS, so a regression fails the
test instead of taking the machine down; its peak RSS and wall time are checked with generous bounds.
The files are generated here and stay small on disk (a few MB at most); the size bound is lowered through
AMOMIGRATE_MAX_SOURCE_MB where a probe would otherwise need hundreds of MB.
"""

import importlib.util
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrate.core.issues import SourceError
from migrate.sources.limits import Limits, bounded_lines, check_workbook

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("hostile_probes", ROOT / "benchmarks" / "hostile_probes.py")
probes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probes)

CAP_MB = 3072  # address space of the child: a regression dies of MemoryError here, not the machine
RSS_MB = 500
WALL_S = 30


def run_capped(args, cwd, env=None):
    """Run `amomigrate ARGS` in a child with RLIMIT_AS; return (exit code, stderr, peak RSS MB, seconds)."""

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (CAP_MB << 20, CAP_MB << 20))

    start = time.monotonic()
    with open(cwd / "stderr.txt", "wb") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "migrate.cli", *map(str, args)], cwd=cwd, preexec_fn=cap,
                                stdout=subprocess.DEVNULL, stderr=err_file,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})  # fmt: skip
        while True:  # wait4 gives this child's own peak RSS
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > 120:
                proc.kill()
                pytest.fail(f"{args} hung")
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = (cwd / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    return proc.returncode, err, usage.ru_maxrss / 1024, time.monotonic() - start


def refused(args, cwd, *, expect, env=None):
    code, err, rss, took = run_capped(args, cwd, env)
    assert code == 2, (code, err[-2000:])
    assert "Traceback" not in err and expect in err, err[-2000:]
    assert took < WALL_S and rss < RSS_MB, (took, rss)
    return err


def test_a_cell_at_xfd1048576_is_refused_not_allocated(tmp_path):
    src = probes.far_cell_xlsx(tmp_path / "far.xlsx")
    assert src.stat().st_size < 4096
    err = refused(["inspect", src], tmp_path, expect="XFD1048576")
    assert "cells" in err


def test_a_zip_bomb_is_refused_by_its_inflated_size(tmp_path):
    src = probes.bomb_xlsx(tmp_path / "bomb.xlsx", 400_000)  # ~40 MB of sheet XML in ~100 KB
    assert src.stat().st_size < 2 << 20
    refused(["inspect", src], tmp_path, expect="zip bomb", env={"AMOMIGRATE_MAX_SOURCE_MB": "16"})


def test_the_bound_can_be_lifted_with_the_flag(tmp_path):
    src = probes.bomb_xlsx(tmp_path / "bomb.xlsx", 20_000)  # ~2 MB of sheet XML
    code, err, _, _ = run_capped(["--max-source-mb", "1", "inspect", src], tmp_path)
    assert code == 2 and "--max-source-mb" in err
    code, err, _, _ = run_capped(["--max-source-mb", "64", "inspect", src], tmp_path)
    assert code == 0, err


def test_a_crafted_dimension_beyond_excels_grid_is_refused(tmp_path):
    body = (probes.SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:ZZZZ9999999"/><sheetData>')
            + b"<row><c><v>1</v></c></row>" + probes.SHEET_TAIL)  # fmt: skip
    src = probes.raw_xlsx(tmp_path / "dim.xlsx", body)
    with pytest.raises(SourceError, match="beyond Excel's grid"):
        check_workbook(src)


def test_a_huge_csv_line_is_refused_before_it_is_split(tmp_path):
    src = probes.big_csv_line(tmp_path / "line.csv", 3)  # one 3 MB line of 1.5 M fields
    refused(["inspect", src], tmp_path, expect="line 2 is", env={"AMOMIGRATE_MAX_SOURCE_MB": "8"})


def test_a_line_far_over_the_bound_is_refused_before_the_bytes_are_decoded(tmp_path):
    src = probes.big_csv_field(tmp_path / "field.csv", 5)  # 5 MB on one line; bound 1 MB (×4 for UTF-8 bytes)
    refused(["inspect", src], tmp_path, expect="the line starting at byte 28 is 5,242,",
            env={"AMOMIGRATE_MAX_SOURCE_MB": "6"})  # fmt: skip


def test_a_huge_csv_field_is_refused_with_the_likely_cause(tmp_path):
    src = probes.big_csv_field(tmp_path / "field.csv", 2)
    refused(["inspect", src], tmp_path, expect="unbalanced quote")


@pytest.mark.parametrize("kind", ["csv", "html"])
def test_a_file_over_the_size_bound_is_refused_before_reading(tmp_path, kind):
    src = probes.big_csv_field(tmp_path / "f.csv", 3) if kind == "csv" else probes.big_html(tmp_path / "b.xls", 3)
    refused(["inspect", src], tmp_path, expect="over the 2 MB", env={"AMOMIGRATE_MAX_SOURCE_MB": "2"})


def test_html_under_the_bound_is_still_read(tmp_path):
    src = probes.big_html(tmp_path / "b.xls", 1)
    code, err, _, _ = run_capped(["inspect", src], tmp_path)
    assert code == 0, err


def test_json_nested_100k_deep_is_a_message_not_a_traceback(tmp_path):
    src = probes.deep_json(tmp_path / "deep.json", 100_000)
    refused(["inspect", src], tmp_path, expect="nests")


def test_bounded_lines_passes_normal_lines_and_names_the_long_one():
    limits = Limits(max_bytes=1 << 20, max_cells=1 << 20, max_line_chars=10)
    assert list(bounded_lines(["a;b\n", "c;d\n"], "'f'", limits)) == ["a;b\n", "c;d\n"]
    with pytest.raises(SourceError, match="line 2 is 12 characters"):
        list(bounded_lines(["a\n", "x" * 11 + "\n"], "'f'", limits))


@pytest.mark.parametrize("line", ["x" * 39 + "\r\n", "ж" * 45 + "\n", "a;" + "b" * 50 + "\n"])
def test_a_block_read_refuses_a_line_over_the_bound_whatever_its_bytes(tmp_path, monkeypatch, line):
    """The block reader checks each line's characters only when the file's bytes cannot rule a long line
    out: a CRLF line one character over, a Cyrillic line under the byte bound but over in characters."""
    from migrate.sources import blocks

    monkeypatch.setattr(blocks, "current", lambda: Limits(max_bytes=1 << 20, max_cells=1 << 20, max_line_chars=40))
    monkeypatch.setattr("migrate.sources.limits.current",
                        lambda: Limits(max_bytes=1 << 20, max_cells=1 << 20, max_line_chars=40))  # fmt: skip
    path = tmp_path / "long.csv"
    path.write_bytes(("h1;h2\r\n" + "a;b\r\n" * 3 + line + "c;d\r\n").encode("utf-8"))
    with pytest.raises(SourceError, match="line 5 is"):
        list(blocks.csv_blocks(path).blocks)
    far = tmp_path / "far.csv"  # the same line past the records the header search reads first
    far.write_bytes(("h1;h2\r\n" + "a;b\r\n" * 60 + line + "c;d\r\n").encode("utf-8"))
    with pytest.raises(SourceError, match="line 62 is"):
        list(blocks.csv_blocks(far, rows=7).blocks)
    ok = tmp_path / "short.csv"
    ok.write_bytes(("h1;h2\r\n" + "a;b\r\n" * 3 + "x" * 30 + ";y\r\n").encode("utf-8"))
    assert sum(len(b.frame) for b in blocks.csv_blocks(ok).blocks) == 4
