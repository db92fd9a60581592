"""The issue spool: whatever goes to disk, the issues come back in the Report's order with the Report's counts.

The model is what the whole-table run does: concatenate the phases' lists and sort them stably by row. The
property test draws issues of every severity, rows (file-level ones too), phases added out of order, and
bounds down to one issue in memory, so runs and chunks split everywhere.
"""

from __future__ import annotations

import gc
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.core.issue_log import IssueSpool, SpilledIssues, issue_order, issues_on
from migrate.core.issues import ERROR, INFO, WARNING, Issue, IssueCode
from migrate.core.report import Report
from migrate.sinks.reports import _first_rows

CODES = [IssueCode.BAD_PHONE, IssueCode.REPEATED_IN_ROWS, IssueCode.UNMAPPED_COLUMN, IssueCode.REQUIRED_EMPTY]


def _issue(n: int, row: int | None, code: IssueCode, severity: str) -> Issue:
    return Issue(code, severity, row, "Телефон", "Рабочий телефон (контакт)", f"8 916 {n:07d}", None,
                 f"issue {n}: «{code.value}»")  # fmt: skip


issues_by_phase = st.lists(
    st.tuples(
        st.integers(0, 3),  # phase
        st.one_of(st.none(), st.integers(2, 12)),  # row (None: file-level)
        st.sampled_from(CODES),
        st.sampled_from([ERROR, WARNING, INFO]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(drawn=issues_by_phase, limit=st.integers(1, 12), chunk=st.integers(1, 5),
       asked=st.sets(st.integers(1, 13), max_size=6))  # fmt: skip
def test_spooled_issues_come_back_as_the_stable_row_sort_of_the_phases(drawn, limit, chunk, asked) -> None:
    made = [(phase, _issue(n, row, code, severity)) for n, (phase, row, code, severity) in enumerate(drawn)]
    spool = IssueSpool(limit=limit, chunk=chunk)
    for phase, issue in made:
        spool.append(issue, phase=phase)
    got = spool.finish()
    expected = sorted([i for p in range(4) for q, i in made if q == p], key=issue_order)
    assert list(got) == expected and len(got) == len(expected)
    assert isinstance(got, SpilledIssues) == (len(made) >= limit)
    spilled, listed = Report("f.csv", "leads", 20, got), Report("f.csv", "leads", 20, expected)
    assert spilled.rejected_rows == listed.rejected_rows
    assert (spilled.errors, spilled.warnings) == (listed.errors, listed.warnings)
    assert spilled.by_code() == listed.by_code()
    for shown in (0, 1, 2, 5, 70):  # the first issues, errors first: read from disk only as far as needed
        assert spilled.summary(limit=shown) == listed.summary(limit=shown)
    for severity in (None, ERROR, WARNING, INFO):  # some rows' issues, filtered before they are built
        wanted = [i for i in expected if i.row in asked and severity in (None, i.severity)]
        assert list(issues_on(got, asked, severity)) == wanted == list(issues_on(expected, asked, severity))
    for shown in (0, 1, 3, 20):  # the report workbook's annotated rows: spilled ones read up to the next row
        rows = sorted({i.row for i in expected if i.row is not None})[:shown]
        assert _first_rows(got, shown) == (rows, [i for i in expected if i.row in rows]) == _first_rows(expected, shown)


def _spilled(count: int = 25) -> tuple[SpilledIssues, list[Issue]]:
    issues = [_issue(n, (n * 7) % 11 + 2, CODES[n % 4], ERROR if n % 3 else WARNING) for n in range(count)]
    spool = IssueSpool(limit=4, chunk=3)
    spool += issues
    got = spool.finish()
    assert isinstance(got, SpilledIssues)
    return got, sorted(issues, key=issue_order)


def test_nothing_rejected_writes_the_rejects_workbook_without_reading_the_spilled_issues(tmp_path) -> None:
    """A big file without errors: the rejects workbook (a header only) and an asking for no rows, or for
    errors where the tally counts none, do not walk the issues on disk — here their files are gone, so a
    walk would raise."""
    import pandas as pd
    from openpyxl import load_workbook

    from migrate.core.table import SourceTable
    from migrate.sinks.reports import write_rejects

    spool = IssueSpool(limit=4, chunk=3)
    spool += [_issue(n, n + 2, IssueCode.REPEATED_IN_ROWS, WARNING) for n in range(20)]
    warnings_only = spool.finish()
    assert isinstance(warnings_only, SpilledIssues) and warnings_only.tally.errors == 0
    warnings_only.close()  # the runs are removed: reading them now raises
    assert list(issues_on(warnings_only, [])) == [] and list(issues_on(warnings_only, {3, 4}, ERROR)) == []
    with pytest.raises(FileNotFoundError):
        list(warnings_only)
    table = SourceTable(frame=pd.DataFrame({"Телефон": ["+7 916 000-00-00"] * 20}, index=range(2, 22)),
                        path=tmp_path / "deals.csv", kind="csv", sheet="Сделки")  # fmt: skip
    report = Report("deals.csv", "leads", 20, warnings_only, table=table)
    assert report.rejected_rows == []
    written = write_rejects(table, report, tmp_path / "deals.rejects.xlsx")
    sheet = load_workbook(written)["Сделки"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["Строка источника", "Ошибки", "Телефон"]]


def test_spilled_issues_index_and_slice_as_the_list_they_equal() -> None:
    got, expected = _spilled()
    assert got[0] == expected[0] and got[-1] == expected[-1] and got[13] == expected[13]
    assert got[3:17:4] == expected[3:17:4] and got[::-1] == expected[::-1] and got[-5:] == expected[-5:]
    assert list(reversed(got)) == expected[::-1]
    assert got == expected and expected == got and got != expected[:-1] and got != expected[::-1]
    assert expected[7] in got and got.index(expected[7]) == 7
    with pytest.raises(IndexError):
        got[25]


def test_spilled_issues_pickle_as_a_plain_list() -> None:
    got, expected = _spilled()
    copy = pickle.loads(pickle.dumps(got))
    assert type(copy) is list and copy == expected


def test_spilled_issue_files_go_with_the_object_or_on_close() -> None:
    got, _ = _spilled()
    directory = got._dir
    assert sorted(p.name for p in directory.iterdir()) == [f"run-{n}.pickle" for n in range(7)]
    got.close()
    assert not directory.exists()
    got, _ = _spilled()
    directory = got._dir
    del got
    gc.collect()
    assert not directory.exists()


def test_a_spool_under_its_bound_gives_a_plain_list_and_writes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    spool = IssueSpool(limit=100)
    spool.add([_issue(1, 5, CODES[0], ERROR), _issue(2, None, CODES[2], WARNING)], phase=1)
    spool.add([_issue(3, 5, CODES[1], WARNING)], phase=0)
    got = spool.finish()
    assert type(got) is list and [i.message[:7] for i in got] == ["issue 2", "issue 3", "issue 1"]
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_disk_that_refuses_the_spool_stops_with_what_to_do(monkeypatch) -> None:
    import errno
    import tempfile

    from migrate.core.issues import MigrateError

    def full(*args: object, **kwargs: object) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    spool = IssueSpool(limit=2)
    with pytest.raises(MigrateError, match="No space left on device.*TMPDIR"):
        spool += [_issue(n, n + 2, CODES[0], ERROR) for n in range(3)]


@settings(max_examples=150, deadline=None)
@given(drawn=issues_by_phase, limit=st.integers(1, 12), helper_limit=st.integers(1, 12), cuts=st.data())
def test_ranges_made_by_other_spools_sort_as_if_added_in_place(drawn, limit, helper_limit, cuts) -> None:
    """A run hands ranges of its issues to other spools (`reserve`, `for_range`: another process words a
    search's warnings) and adopts them later: the issues and counts are those of one spool taking them all
    in order, whether either side went to disk."""
    made = [(phase, _issue(n, row, code, severity)) for n, (phase, row, code, severity) in enumerate(drawn)]
    made.sort(key=lambda pair: pair[0])  # phases in order, as a block pass makes them
    one = IssueSpool(limit=limit)
    for phase, issue in made:
        while one.phase < phase:
            one.next_phase()
        one.append(issue)
    expected = one.finish()

    spool, handed, k = IssueSpool(limit=limit), [], 0
    while k < len(made):
        phase = made[k][0]
        while spool.phase < phase:
            spool.next_phase()
        same = [i for p, i in made[k:] if p == phase]
        size = cuts.draw(st.integers(1, len(same)))
        if cuts.draw(st.booleans()):  # this range is made elsewhere, then adopted at the end
            helper = IssueSpool.for_range(spool.directory(), phase, spool.reserve(size), f"h{k}", limit=helper_limit)
            helper += same[:size]
            handed.append(pickle.loads(pickle.dumps(helper.handed_over(to_disk=cuts.draw(st.booleans())))))  # a pipe
        else:
            spool += same[:size]
        k += size
    for h in handed:
        spool.adopt(h)
    got = spool.finish()
    assert list(got) == list(expected) and len(got) == len(expected)
    a, b = Report("f.csv", "leads", 20, got), Report("f.csv", "leads", 20, expected)
    assert (a.errors, a.warnings, a.rejected_rows) == (b.errors, b.warnings, b.rejected_rows)
    assert list(a.by_code().items()) == list(b.by_code().items())  # ties in the order codes first appear
