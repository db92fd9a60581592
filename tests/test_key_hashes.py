"""A block pass keeps phones and e-mails as key hashes and brings back only the cells whose key another row
holds (plus every cell of a duplicate's rows before its messages): the reports must not change.

The files here are written the way a contact base that was never deduplicated looks: one e-mail per person
(most unique), phones shared by colleagues, an address written in capitals in one row and lower case in
another, a cell padded with spaces, two phones in one cell of which one is shared, the company's switchboard
in the company phone column and as a contact's phone elsewhere, and the same phone twice in one row only.
The end of the same pass runs the company half of the searches in a forked process: its tests are here too,
on the same files, with the child dying, raising, or not forked at all.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.chunked import run_blocks
from migrate.core.blank import blank_cells
from migrate.core.profile import load_profile
from migrate.core.schema import load_schema
from migrate.core.validate import validate_table
from migrate.quality.key_hashes import cell_key_hashes, distinct_rows, kept_cells, shared_cells
from migrate.sources import read_table

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HEADER = ["Сделка", "Ответственный", "ФИО", "Тел.", "Моб.", "E-mail", "Компания", "Тел. офиса", "Почта офиса", "ИНН"]


def _rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    switchboards = [f"+7 495 {rng.randrange(10**7):07d}" for _ in range(6)]
    people = [(f"Сотрудник {k}", f"8 916 {rng.randrange(10**7):07d}") for k in range(n // 3 + 1)]
    rows = []
    for r in range(n):
        name, phone = rng.choice(people)
        email = f"person.{r}@firm{r % 7}.ru"  # unique: most rows hold a key nobody else holds
        if rng.random() < 0.2:
            email = rng.choice(["Boss@Firm1.ru", "boss@firm1.ru", "  boss@firm1.ru ", "info@firm2.ru"])
        mobile = ""
        if rng.random() < 0.3:
            mobile = f"+7 926 {rng.randrange(10**7):07d}"  # unique
        if rng.random() < 0.1:
            mobile = phone  # the same phone twice in one row: shared with nobody by that
        if rng.random() < 0.1:
            phone = f"{phone}, +7 903 {rng.randrange(10**7):07d}"  # two phones, one shared
        if rng.random() < 0.1:
            phone = rng.choice(switchboards)  # a contact's phone that is a company's switchboard elsewhere
        if rng.random() < 0.05:
            phone = f"  {phone} "
        office = rng.choice(switchboards + [""])
        rows.append([
            f"Сделка {r}", rng.choice(["Анна Смирнова", "Игорь Петров", "Кто-то"]), name, phone, mobile, email,
            rng.choice(["ООО «Ромашка»", "Ромашка", "АО Вектор", ""]), office,
            rng.choice(["", "office@firm1.ru", f"desk{r}@firm3.ru"]), rng.choice(["7707083893", "", "500100732259"]),
        ])  # fmt: skip
    return rows


def _files(tmp_path: Path, n: int, seed: int) -> tuple[Path, Path]:
    source = tmp_path / "deals.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(_rows(n, seed))
    columns = {"Сделка": "Название сделки", "Ответственный": {"field": "Ответственный за сделку", "owner": True},
               "ФИО": "Полное имя (контакт)",
               "Тел.": {"field": "Рабочий телефон (контакт)", "transform": "phone"},
               "Моб.": {"field": "Мобильный телефон (контакт)", "transform": "phone"},
               "E-mail": "Рабочий email (контакт)", "Компания": "Название (компания)",
               "Тел. офиса": {"field": "Рабочий телефон (компания)", "transform": "phone"},
               "Почта офиса": "Рабочий email (компания)", "ИНН": "ИНН (компания)"}  # fmt: skip
    profile = tmp_path / "deals.yaml"
    profile.write_text(yaml.safe_dump({"version": 1, "entity": "leads", "columns": columns}, allow_unicode=True),
                       encoding="utf-8")  # fmt: skip
    return source, profile


@pytest.mark.parametrize(("seed", "block_rows", "workers", "split"),
                         [(1, 9, 1, False), (2, 25, 2, False), (3, 1000, 1, False), (4, 4, 2, True), (5, 30, 2, True)])
def test_blocks_holding_phones_as_hashes_give_the_whole_table_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, block_rows: int, workers: int,
        split: bool) -> None:  # fmt: skip
    monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", "1" if split else "0")
    source, profile_path = _files(tmp_path, 160, seed)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    blocks = run_blocks(source, profile, account, block_rows=block_rows, workers=workers).report
    assert blocks.to_json() == whole.to_json()
    assert blocks == whole
    codes = {i.code.value for i in whole.issues}
    assert "repeated_in_rows" in codes  # messages that quote a member's unique e-mail against its via row's
    messages = " ".join(i.message for i in whole.issues if i.code.value == "repeated_in_rows")
    assert "person." in messages
    assert any(c.entity == "contacts" for c in whole.duplicates) and any(c.entity == "companies" for c in
                                                                         whole.duplicates)  # fmt: skip


def test_a_cell_is_kept_only_when_another_row_holds_one_of_its_keys() -> None:
    phones = pd.Series(["+79161234567", " +79161234567 ", "+79160000000, +79161111111", "+79161111111",
                        "+79162222222", "", None], index=[10, 11, 12, 13, 14, 15, 16]).astype("category")  # fmt: skip
    emails = pd.Series(["A@X.ru", "a@x.ru", "solo@x.ru", "+79162222222"], index=[10, 11, 12, 14]).astype("category")
    found = {"phone": [cell_key_hashes(phones, "phone")], "email": [cell_key_hashes(emails, "email")]}
    shared = shared_cells(found)
    # padded and plain are one key; the second phone of row 12 is row 13's; row 14's phone equals an
    # "e-mail" of its own row only, which joins it to nobody
    assert shared["phone"].tolist() == [10, 11, 12, 13]
    assert shared["email"].tolist() == [10, 11]
    kept = kept_cells(phones, shared["phone"])
    assert kept.tolist() == ["+79161234567", " +79161234567 ", "+79160000000, +79161111111", "+79161111111", "",
                             "", ""]  # fmt: skip
    assert set(kept.cat.categories) == {"+79161234567", " +79161234567 ", "+79160000000, +79161111111",
                                        "+79161111111", ""}  # the unique texts are let go  # fmt: skip


def test_shared_cells_agree_with_counting_rows_per_key() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for column in ("a", "b", "c"):
            parts = []
            for _ in range(rng.integers(0, 4)):
                size = int(rng.integers(0, 30))
                parts.append((rng.integers(0, 25, size).astype(np.uint64), rng.integers(0, 40, size).astype(np.int64)))
            found[column] = parts
        rows_of: dict[int, set[int]] = {}
        for parts in found.values():
            for hashes, rows in parts:
                for h, r in zip(hashes.tolist(), rows.tolist(), strict=True):
                    rows_of.setdefault(h, set()).add(r)
        expected = {c: sorted({r for hashes, rows in parts for h, r in zip(hashes.tolist(), rows.tolist(),
                                                                           strict=True) if len(rows_of[h]) > 1})
                    for c, parts in found.items()}  # fmt: skip
        assert {c: v.tolist() for c, v in shared_cells(found).items()} == expected


def test_distinct_rows_are_the_sorted_set_of_the_parts_whatever_the_numbers() -> None:
    rng = np.random.default_rng(11)
    for _ in range(100):
        parts = [rng.integers(1, 500, int(rng.integers(0, 50))) for _ in range(int(rng.integers(0, 4)))]
        if rng.random() < 0.2:  # labels that are not row numbers go the sorting way
            parts.append(np.array([-5, 10**12, 7]))
        expected = sorted(set(np.concatenate(parts).tolist())) if parts else []
        assert distinct_rows(parts).tolist() == expected


def test_a_temporary_disk_that_refuses_the_phones_stops_the_cli_with_what_to_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import errno
    import tempfile

    from click.testing import CliRunner

    from migrate.cli import cli

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    source, profile = _files(tmp_path, 60, seed=5)
    before = source.read_bytes()
    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    result = CliRunner().invoke(cli, ["validate", str(source), "--profile", str(profile),
                                      "--schema", str(SAMPLES / "account.json")])  # fmt: skip
    assert result.exit_code == 2
    assert "No space left on device" in result.output and "TMPDIR" in result.output
    assert "Traceback" not in result.output
    assert source.read_bytes() == before


def test_a_file_without_phone_or_email_columns_needs_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Only phone and e-mail columns wait on disk: a profile without them runs on a machine whose temporary
    disk refuses every file, and gives the whole table's report."""
    import tempfile

    source, _ = _files(tmp_path, 120, seed=8)
    columns = {"Сделка": "Название сделки", "ФИО": "Полное имя (контакт)", "Компания": "Название (компания)",
               "ИНН": "ИНН (компания)"}  # fmt: skip
    path = tmp_path / "names.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "entity": "leads", "columns": columns}, allow_unicode=True),
                    encoding="utf-8")  # fmt: skip
    profile, account = load_profile(path), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("a temporary file was opened")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    blocks = run_blocks(source, profile, account, block_rows=25, workers=1).report
    assert blocks.to_json() == whole.to_json()
    assert any(c.entity == "companies" for c in whole.duplicates)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["", " ", "\t\n", "a", " b ", "+79161234567", "x@y.ru"]), st.none()),
                max_size=20))
def test_blank_cells_of_a_categorical_column_are_those_of_its_text(cells: list[str | None]) -> None:
    """The block pass's key columns are categoricals: blankness is decided per category, taken by code; a
    missing cell (code -1) is not blank, as for a column of objects."""
    column = pd.Series(cells, dtype=object)
    assert blank_cells(column.astype("category")).tolist() == blank_cells(column).tolist()


def test_a_missing_cell_holds_no_duplicate_key_and_never_another_cells() -> None:
    from migrate.quality.duplicates import _column_keys

    for column in (pd.Series(["+79161234567", None, "+79160000000"], index=[5, 6, 7]),
                   pd.Series(["+79161234567, +79162222222", None, "+79160000000"], index=[5, 6, 7])):  # fmt: skip
        for form in (column, column.astype("category")):
            keys, _ = _column_keys(form, "phone")
            assert 6 not in keys.index
            assert keys.loc[7] == "+79160000000"


@pytest.mark.parametrize("child", ["dies", "raises", "no fork"])
def test_the_company_half_is_computed_here_when_its_process_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  child: str) -> None:  # fmt: skip
    """The end searches run the company half in a forked process; whatever happens to it, the Report is the
    one the whole table gives (the half is computed again in this process)."""
    import os

    from migrate import end_searches

    monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", "1")
    source, profile_path = _files(tmp_path, 120, seed=9)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    if child == "dies":
        monkeypatch.setattr(end_searches, "_run_child", lambda work, read, write: os._exit(3))
    elif child == "raises":
        def refuse(keys: object) -> object:
            if os.getpid() != parent:
                raise MemoryError("the child ran out")
            return real(keys)

        parent, real = os.getpid(), end_searches._company_half
        monkeypatch.setattr(end_searches, "_company_half", refuse)
    else:
        monkeypatch.setattr(end_searches, "can_fork", lambda: False)
    got = run_blocks(source, profile, account, block_rows=17, workers=2)
    assert got.report == whole and got.report.to_json() == whole.to_json()
    assert any(c.entity == "companies" for c in got.report.duplicates)


def _count_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from migrate import end_searches

    forks: list[int] = []
    real = end_searches._Companion.__init__

    def counted(self: object, work: object, **options: object) -> None:
        forks.append(1)
        real(self, work, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(end_searches._Companion, "__init__", counted)
    return forks


def test_the_end_searches_split_gives_the_clusters_and_notes_of_the_searches_in_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    source, profile_path = _files(tmp_path, 150, seed=12)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    runs = {}
    forks = _count_forks(monkeypatch)
    for split in ("1", "0", ""):
        monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", split)
        got = run_blocks(source, profile, account, block_rows=40, workers=2)
        runs[split] = (got.report.notes, [(c.id, c.entity, c.members) for c in got.report.duplicates])
    assert runs["1"] == runs["0"] == runs[""]
    assert forks == [1]  # taken when asked for; not by default for 150 rows (fewer than SPLIT_MIN_ROWS)
    entities = [e for _, e, _ in runs["1"][1]]
    assert entities == sorted(entities, key=["contacts", "companies"].index) and len(set(entities)) == 2


@pytest.mark.parametrize(("budget_mb", "forked"), [("1000000", True), ("1", False), ("lots", False)])
def test_by_default_the_split_is_taken_only_when_the_memory_budget_affords_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget_mb: str, forked: bool) -> None:  # fmt: skip
    """Unset, the split is decided by memory: the run's own memory plus what the split adds a key row
    must stay within AMOMIGRATE_MEMORY_MB (a budget that is not a number affords nothing)."""
    from migrate import end_searches

    monkeypatch.delenv("AMOMIGRATE_SPLIT_SEARCHES", raising=False)
    monkeypatch.setattr(end_searches, "SPLIT_MIN_ROWS", 1)
    monkeypatch.setenv("AMOMIGRATE_MEMORY_MB", budget_mb)
    source, profile_path = _files(tmp_path, 130, seed=14)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    forks = _count_forks(monkeypatch)
    got = run_blocks(source, profile, account, block_rows=30, workers=2)
    assert forks == ([1] if forked else [])
    assert got.report == whole and got.report.to_json() == whole.to_json()


def test_a_company_half_that_never_answers_is_ended_and_computed_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A child that hangs (a lock another thread held at the fork, say) must not hang the run: past its
    deadline it is killed and the half computed in this process."""
    import time

    from migrate import end_searches

    monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", "1")
    monkeypatch.setattr(end_searches, "CHILD_TIMEOUT_S", 0.3)
    monkeypatch.setattr(end_searches, "CHILD_S_PER_ROW", 0.0)
    monkeypatch.setattr(end_searches, "_run_child", lambda work, read, write: time.sleep(3600))
    source, profile_path = _files(tmp_path, 120, seed=9)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    started = time.monotonic()
    got = run_blocks(source, profile, account, block_rows=17, workers=2)
    assert time.monotonic() - started < 60
    assert got.report == whole and got.report.to_json() == whole.to_json()
    assert any(c.entity == "companies" for c in got.report.duplicates)


def test_a_failure_beside_the_company_half_ends_its_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's own half fails (an error, Ctrl-C) while the child searches: the error is the run's, and
    the child is killed and reaped, not left running or blocked on its pipe (a notebook lives on)."""
    import os

    from migrate import end_searches

    monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", "1")
    children: list[int] = []
    real_init, real_search = end_searches._Companion.__init__, end_searches.entity_clusters

    def noted(self: end_searches._Companion, work: object, **options: object) -> None:
        real_init(self, work, **options)  # type: ignore[arg-type]
        children.append(self._pid)

    def failing(keys: object, entity: str, **options: object) -> object:
        if entity == "contacts" and children:
            raise KeyboardInterrupt
        return real_search(keys, entity, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(end_searches._Companion, "__init__", noted)
    monkeypatch.setattr(end_searches, "entity_clusters", failing)
    source, profile_path = _files(tmp_path, 120, seed=9)
    profile, account = load_profile(profile_path), load_schema(SAMPLES / "account.json")
    with pytest.raises(KeyboardInterrupt):
        run_blocks(source, profile, account, block_rows=17, workers=2)
    [child] = children
    assert child > 0
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(child, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_the_split_is_asked_for_or_against_or_left_to_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from migrate.end_searches import split_searches

    for asked, expected in (("1", True), ("0", False), ("", None), ("yes", None)):
        monkeypatch.setenv("AMOMIGRATE_SPLIT_SEARCHES", asked)
        assert split_searches(2) is expected
        assert split_searches(1) is False  # one process: nothing to split onto


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["", "a", "b", "ООО", "+7916"]), st.none()), max_size=12),
       st.sampled_from(["str", "object"]))
def test_categories_in_order_of_appearance_hold_the_values_astype_would(cells: list[str | None], dtype: str) -> None:
    """A block's key columns are made categorical without sorting their categories; the values, and the
    categories' dtype (which blocks must share to be joined), are those `astype("category")` gives."""
    from migrate.block_workers import as_categories

    frame = pd.DataFrame({"c": pd.Series(cells, dtype=dtype)}, index=range(3, 3 + len(cells)))
    got, sorted_ = as_categories(frame)["c"], frame["c"].astype("category")
    assert got.astype(object).tolist() == sorted_.astype(object).tolist()
    assert got.index.equals(frame.index)
    if len(sorted_.cat.categories):
        assert got.cat.categories.dtype == sorted_.cat.categories.dtype
