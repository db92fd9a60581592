"""Linked-row warnings worded by a helper process beside the searches (`migrate.end_wording`).

What must hold whatever happens to the helper: the block pass's Report is the whole table's, issue for
issue and in order (the helper words a reserved range of the spool), the words come from the helper when
it works, every helper ends with the pass (a failed pass too), and nothing of it is left on disk.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
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


def _recording(log: Path, fail: str | None = None):  # noqa: ANN202 - a stand-in for word_file
    """`word_file` that notes the pid it ran in; in the helper (not this process) it may fail instead."""

    def wrapped(job):  # noqa: ANN001, ANN202
        if os.getpid() != HERE and fail == "raises":
            raise RuntimeError("a helper that fails")
        if os.getpid() != HERE and fail == "dies":
            os._exit(3)
        with log.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return word_file(job)

    return wrapped


class _RefusingFork:
    """`multiprocessing` as the helper sees it on a machine out of memory: fork is there, `start` fails."""

    def get_all_start_methods(self) -> list[str]:
        return multiprocessing.get_all_start_methods()

    def get_context(self, method: str) -> object:
        real = multiprocessing.get_context(method)

        class Refused(real.Process):  # type: ignore[name-defined, misc]
            def start(self) -> None:
                raise OSError(12, "Cannot allocate memory")

        return type("Context", (), {"Pipe": staticmethod(real.Pipe), "Process": Refused})()


def _deals(tmp_path: Path, rows: int = 240, seed: int = 3) -> tuple[Path, object, object]:
    source = _write(tmp_path / "deals.csv", _rows(rows, seed=seed), late_column=False)
    return source, load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")


@pytest.mark.parametrize("bound", [None, 9])
def test_the_helper_words_the_linked_warnings_and_the_report_is_the_whole_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int | None) -> None:  # fmt: skip
    """With two workers the linked-row warnings are worded in another process; the Report equals the
    whole table's — also when the helper's issues and this process's go to disk (`bound`)."""
    source, profile, account = _deals(tmp_path)
    whole = validate_table(read_table(source), profile, account)[1]
    log = tmp_path / "pids.txt"
    monkeypatch.setattr("migrate.end_wording.word_file", _recording(log))
    if bound:
        monkeypatch.setattr("migrate.core.issue_log.MAX_ISSUES_IN_MEMORY", bound)
        monkeypatch.setattr("migrate.core.issue_log.CHUNK", 4)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    pids = {int(p) for p in log.read_text().split()}
    assert pids and HERE not in pids  # worded by the helper, not here
    linked = [i for i in whole.issues if i.code.value == "repeated_in_rows"]
    assert len(linked) > 20  # the data has linked warnings to word
    assert isinstance(report.issues, SpilledIssues) == bool(bound)
    assert report == whole and report.to_json() == whole.to_json()
    assert list(report.by_code().items()) == list(whole.by_code().items())
    assert not multiprocessing.active_children()  # the helper ended with the pass


@pytest.mark.parametrize("fault", ["raises", "dies", "no fork"])
def test_a_helper_that_fails_or_cannot_start_leaves_the_words_to_the_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:  # fmt: skip
    """A helper that raises, dies, or is never forked: the pass words every job itself, same Report."""
    source, profile, account = _deals(tmp_path, seed=8)
    whole = validate_table(read_table(source), profile, account)[1]
    log = tmp_path / "pids.txt"
    monkeypatch.setattr("migrate.end_wording.word_file", _recording(log, fault))
    if fault == "no fork":
        monkeypatch.setattr("migrate.end_wording.multiprocessing", _RefusingFork())
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    assert {int(p) for p in log.read_text().split()} == {HERE}
    assert report == whole and report.to_json() == whole.to_json()
    assert not multiprocessing.active_children()


def test_the_batches_and_runs_leave_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batches handed to the helper and the runs it wrote live in the spool's temporary directory and
    go with it, whether the issues stayed in memory or were spilled."""
    source, profile, account = _deals(tmp_path)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    assert not isinstance(report.issues, SpilledIssues)
    gc.collect()
    assert list(temp.rglob("*")) == []
    monkeypatch.setattr("migrate.core.issue_log.MAX_ISSUES_IN_MEMORY", 9)
    report = run_blocks(source, profile, account, block_rows=17, workers=2).report
    names = {p.suffix for p in temp.rglob("*") if p.is_file()}
    assert names == {".pickle"}  # the sorted runs the report reads; no batches
    del report
    gc.collect()
    assert list(temp.rglob("*")) == []


def test_a_pass_that_fails_ends_its_helper(tmp_path: Path) -> None:
    """A second phone far down (a later block adds a column) stops the block pass (the caller runs the whole table): the
    helper forked at its start ends with it."""
    source = _write(tmp_path / "deals.csv", _rows(240, seed=4, two_phones_at=200))
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    with pytest.raises(NotStreamable):
        run_blocks(source, profile, account, block_rows=17, workers=2)
    assert not multiprocessing.active_children()
