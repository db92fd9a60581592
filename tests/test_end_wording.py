"""Linked-row warnings worded by a helper process beside the searches (`migrate.end_wording`).

What must hold whatever happens to the helper: the block pass's Report is the whole table's, issue for
issue and in order (the helper words a reserved range of the spool), the words come from the helper when
it works, the helper ends with the pass (a failed pass too), and nothing of it is left on disk.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_chunked import SAMPLES, _profile, _rows, _write

from migrate.chunked import run_blocks
from migrate.core.issue_log import SpilledIssues
from migrate.core.profile import load_profile
from migrate.core.schema import load_schema
from migrate.core.validate import validate_table
from migrate.end_wording import word_file
from migrate.sources import read_table
from migrate.sources.blocks import NotStreamable

HERE = os.getpid()

#: a helper that notes its pid, then is the real one
_NOTED = ("import os, runpy, sys; open(sys.argv[1], 'a').write(f'{os.getpid()}\\n'); "
          "runpy.run_module('migrate.end_wording', run_name='__main__')")  # fmt: skip
#: a helper that answers every job with a failure
_FAILING = ("from migrate.end_wording import _receive, _send\n"
            "while _receive(0) is not None:\n    _send(1, (False, None))")  # fmt: skip
#: a helper that takes every job and never answers
_SILENT = "from migrate.end_wording import _receive\nwhile _receive(0) is not None:\n    pass"


def _parent_words(log: Path):  # noqa: ANN202 - a stand-in for word_file
    """`word_file` that notes each job worded in this process (the helper, another interpreter, runs the
    real one)."""

    def wrapped(job, path=None):  # noqa: ANN001, ANN202
        with log.open("a") as fh:
            fh.write(f"{os.getpid()} {job.name}\n")
        return word_file(job, path)

    return wrapped


def _collect_once_the_helper_has_every_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Wording.collect` after the helper has claimed every job (a helper still starting would otherwise
    leave the pass to take jobs back, as it should, and the test would not see the helper's words)."""
    import time

    from migrate import end_wording

    real = end_wording.Wording.collect

    def collect(self, spool):  # noqa: ANN001, ANN202
        deadline = time.monotonic() + 30
        while any(job.path.exists() for job in self._jobs) and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(self, spool)

    monkeypatch.setattr(end_wording.Wording, "collect", collect)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _deals(tmp_path: Path, rows: int = 240, seed: int = 3) -> tuple[Path, object, object]:
    source = _write(tmp_path / "deals.csv", _rows(rows, seed=seed), late_column=False)
    return source, load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")


def test_the_helper_imports_no_pandas() -> None:
    """The helper is a fresh interpreter that loads the spool and the words only: the package's public
    names are imported at first use, so `import migrate.end_wording` alone stays small."""
    code = ("import sys, migrate.end_wording\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'migrate.api') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("bound", [None, 9])
def test_the_helper_words_the_linked_warnings_and_the_report_is_the_whole_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int | None) -> None:  # fmt: skip
    """With two workers the linked-row warnings are worded by the helper process; the Report equals the
    whole table's — also when the helper's issues and this process's go to disk (`bound`)."""
    source, profile, account = _deals(tmp_path)
    whole = validate_table(read_table(source), profile, account)[1]
    helpers, here = tmp_path / "helpers.txt", tmp_path / "here.txt"
    monkeypatch.setattr("migrate.end_wording.HELPER", [sys.executable, "-c", _NOTED, str(helpers)])
    monkeypatch.setattr("migrate.end_wording.word_file", _parent_words(here))
    if bound:
        monkeypatch.setattr("migrate.core.issue_log.MAX_ISSUES_IN_MEMORY", bound)
        monkeypatch.setattr("migrate.core.issue_log.CHUNK", 4)
    _collect_once_the_helper_has_every_job(monkeypatch)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    [helper] = [int(p) for p in helpers.read_text().split()]
    assert not here.exists()  # every job was worded by the helper
    assert len([i for i in whole.issues if i.code.value == "repeated_in_rows"]) > 20  # there were some to word
    assert isinstance(report.issues, SpilledIssues) == bool(bound)
    assert report == whole and report.to_json() == whole.to_json()
    assert list(report.by_code().items()) == list(whole.by_code().items())
    assert _gone(helper)  # it ended with the pass


@pytest.mark.parametrize("fault", ["fails", "dies", "cannot start", "never answers"])
def test_a_helper_that_fails_or_cannot_start_leaves_the_words_to_the_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:  # fmt: skip
    """A helper that answers with a failure, dies, cannot be started, or never answers: the pass words
    every job itself, and the Report is the same."""
    source, profile, account = _deals(tmp_path, seed=8)
    whole = validate_table(read_table(source), profile, account)[1]
    here = tmp_path / "here.txt"
    monkeypatch.setattr("migrate.end_wording.word_file", _parent_words(here))
    command = {"fails": [sys.executable, "-c", _FAILING], "dies": [sys.executable, "-c", "import sys; sys.exit(3)"],
               "cannot start": [str(tmp_path / "no-such-python")],
               "never answers": [sys.executable, "-c", _SILENT]}[fault]  # fmt: skip
    monkeypatch.setattr("migrate.end_wording.HELPER", command)
    monkeypatch.setattr("migrate.end_wording.ANSWER_TIMEOUT_S", 0.5)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    assert {int(line.split()[0]) for line in here.read_text().splitlines()} == {HERE}
    assert report == whole and report.to_json() == whole.to_json()


#: a helper that notes each job it words and then takes `argv[2]` seconds more over it
_SLOW = ("import os, sys, time, migrate.end_wording as w\nreal = w.word_file\n"
         "def slow(job, path=None):\n    done = real(job, path)\n"
         "    open(sys.argv[1], 'a').write(f'{os.getpid()} {job.name}\\n')\n    time.sleep(float(sys.argv[2]))\n"
         "    return done\nw.word_file = slow\nw.serve(0, 1)")  # fmt: skip


def test_jobs_the_helper_has_not_reached_are_worded_by_the_pass_and_each_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A helper slower than the pass: the pass takes back the jobs it has not claimed, from the last one
    back, and words them itself. Every job is worded exactly once, and the Report is the whole table's."""
    source, profile, account = _deals(tmp_path, seed=5)
    whole = validate_table(read_table(source), profile, account)[1]
    helpers, here = tmp_path / "helpers.txt", tmp_path / "here.txt"
    monkeypatch.setattr("migrate.end_wording.HELPER", [sys.executable, "-c", _SLOW, str(helpers), "2"])
    monkeypatch.setattr("migrate.end_wording.word_file", _parent_words(here))
    monkeypatch.setattr("migrate.end_wording.JOB_WARNINGS", 4)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    by_helper = [line.split()[1] for line in helpers.read_text().splitlines()] if helpers.exists() else []
    by_pass = [line.split()[1] for line in here.read_text().splitlines()]
    jobs = by_helper + by_pass
    assert len(jobs) >= 2 and sorted(jobs) == sorted(f"linked-{k}" for k in range(len(jobs)))  # each once
    assert by_pass  # the pass did not wait for the slow helper
    # the helper works from the first job on, the pass from the last back: the helper's are the first ones
    assert sorted(by_helper, key=lambda n: int(n.split("-")[1])) == [f"linked-{k}" for k in range(len(by_helper))]
    assert report == whole and report.to_json() == whole.to_json()
    assert list(report.by_code().items()) == list(whole.by_code().items())


def test_the_batches_and_runs_leave_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batches handed to the helper and the runs it wrote live in the spool's temporary directory and
    go with it, whether the issues stayed in memory (the runs read back) or were spilled."""
    source, profile, account = _deals(tmp_path)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))  # the helper's too
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    assert not isinstance(report.issues, SpilledIssues)
    gc.collect()
    assert list(temp.rglob("*")) == []
    monkeypatch.setattr("migrate.core.issue_log.MAX_ISSUES_IN_MEMORY", 9)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    names = {p.name.split("-")[0] for p in temp.rglob("*") if p.is_file()}
    assert names == {"run", "linked"} and not list(temp.rglob("*.batches"))  # the sorted runs the report reads
    del report
    gc.collect()
    assert list(temp.rglob("*")) == []


def test_a_pass_that_fails_ends_its_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second phone far down (a later block adds a column) stops the block pass; the caller runs the
    whole table. The helper started with the pass ends with it."""
    source = _write(tmp_path / "deals.csv", _rows(240, seed=4, two_phones_at=200))
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    helpers = tmp_path / "helpers.txt"
    monkeypatch.setattr("migrate.end_wording.HELPER", [sys.executable, "-c", _NOTED, str(helpers)])
    with pytest.raises(NotStreamable):
        run_blocks(source, profile, account, block_rows=17, workers=2)
    [helper] = [int(p) for p in helpers.read_text().split()]
    assert _gone(helper)


def test_a_batch_words_at_most_three_differences_and_why_the_rows_are_one() -> None:
    """A member's differing cells are read from the batch's flat cells by its end; past three, "…". The
    batch crosses a pipe as plain data and words the same there."""
    import pickle

    from migrate.core.linked_words import LinkedBatch, worded

    phone = "Рабочий телефон (контакт)"
    batch = LinkedBatch("contact", ["'A'", "'B'", "'C'", "'D'"], {phone: "Телефон"}, rows=[5, 9, 12],
                        kinds=["phone", "fuzzy-name", "email"], keys=["+79161234567", "ромашка", "a@b.ru"],
                        scores=[100.0, 96.4, 100.0], headers=[phone, phone, phone], vias=[2, 3, None],
                        firsts=[2, 3, 7], values=["8 916 123-45-67", "x", "y"], ends=[4, 5, 6],
                        which=[0, 1, 2, 3, 1, 0], these=["a", "b", "c", "d", "e", "f"],
                        those=["A", "B", "C", "D", "E", "F"])  # fmt: skip
    first, second, third = list(worded(pickle.loads(pickle.dumps(batch))))
    assert "'A' 'a' here, 'A' there; 'B' 'b' here, 'B' there; 'C' 'c' here, 'C' there; …" in first.message
    assert "'D'" not in first.message and "phone '+79161234567'" in first.message
    assert (first.row, first.column, first.field, first.value, first.suggestion) == (
        5, "Телефон", phone, "8 916 123-45-67", "row 2")
    assert "'B' 'e' here, 'E' there" in second.message and "…" not in second.message
    assert "similar name 'ромашка', 96% alike" in second.message
    assert "'A' 'f' here, 'F' there" in third.message and third.suggestion == "row 7"
    assert [i.code.value for i in (first, second, third)] == ["repeated_in_rows"] * 3


def test_a_full_temporary_disk_stops_the_pass_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batches handed to the helper are written in the temporary directory: a full disk there is the
    user's to fix (TMPDIR), said as such, not a traceback; the helper ends with the pass."""
    from migrate.core.issues import MigrateError

    source, profile, account = _deals(tmp_path)
    helpers = tmp_path / "helpers.txt"
    monkeypatch.setattr("migrate.end_wording.HELPER", [sys.executable, "-c", _NOTED, str(helpers)])

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("migrate.end_wording.pickle.dump", full)
    with pytest.raises(MigrateError, match="No space left on device.*TMPDIR"):
        run_blocks(source, profile, account, block_rows=17, workers=2)
    [helper] = [int(p) for p in helpers.read_text().split()]
    assert _gone(helper)
