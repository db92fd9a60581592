"""A CSV run in row blocks gives what the whole table gives: the same Report, the same output bytes.

The files are generated here, the way real exports look: repeated clients across block boundaries, bad
phones and e-mails, unknown owners and stages, empty rows, a second phone in a cell, an unmapped column
whose data starts far down, owners that cannot be checked. Block sizes down to one row put every kind of
row on a boundary.
"""

from __future__ import annotations

import csv
import json
import pickle
import random
import zipfile
from dataclasses import replace
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import api
from migrate.block_workers import Shipped
from migrate.chunked import NotStreamable, run_blocks
from migrate.core.issue_log import SpilledIssues
from migrate.core.profile import load_profile
from migrate.core.schema import load_schema
from migrate.core.table import SourceTable
from migrate.core.validate import validate_table
from migrate.sinks.reports import write_rejects, write_report
from migrate.sources import read_table

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HEADER = ["Сделка", "Сумма", "Ответственный", "Этап", "Контакт", "Телефон", "Email", "Компания", "ИНН", "Заметка"]
OWNERS = ["Анна Смирнова", "Игорь Петров", "Ольга Кузнецова", "Иван Неизвестный", "", "анна  смирнова"]
STAGES = ["Первичный контакт", "Переговоры", "переговоры ", "Согласование", "Успешно реализовано", ""]
INNS = ["7707083893", "500100732259", "0000000000", "", "7707083894"]


def _rows(n: int, seed: int, *, two_phones_at: int | None = 0) -> list[list[str]]:
    rng = random.Random(seed)
    clients = [(f"Клиент {k}", f"+7 916 {rng.randrange(10**7):07d}", f"c{k}@Example.ru") for k in range(n // 4 + 2)]
    rows = []
    for r in range(n):
        name, phone, email = rng.choice(clients)
        if rng.random() < 0.1:
            name = name.upper()  # the same client written differently: repeated_in_rows
        if rng.random() < 0.05:
            phone = rng.choice(["8 (000) 000-00-00", "12-34", "+7 916 123 45 67 доб. 12", "8916123456"])
        if r == two_phones_at:
            phone = f"{phone}, 8 (495) 123-45-67"
        if rng.random() < 0.05:
            email = rng.choice(["нет", "a@b", "x@@y.ru"])
        company = rng.choice(["ООО «Ромашка»", "Ромашка ООО", "ИП Иванов", "ООО Ромашка", "АО «Вектор»", ""])
        row = [
            f"Сделка {r}",
            rng.choice(["1 500", "2,5", "abc", "", "1000000"]),
            rng.choice(OWNERS),
            rng.choice(STAGES),
            name,
            phone,
            email,
            company,
            rng.choice(INNS),
            rng.choice(["", "=СРОЧНО", "+1"]),
        ]
        rows.append(row)
        if rng.random() < 0.03:
            rows.append([""] * len(HEADER))  # an empty row: skipped, counted
    return rows


def _write(path: Path, rows: list[list[str]], *, late_column: bool = True) -> Path:
    header = HEADER + ["Лишнее"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        for k, row in enumerate(rows):
            writer.writerow(row + (["данные"] if late_column and k == len(rows) - 2 else [""]))
    return path


def _profile(tmp_path: Path) -> Path:
    columns = {"Сделка": {"field": "Название сделки", "required": True},
               "Сумма": {"field": "Бюджет сделки", "transform": "number"},
               "Ответственный": {"field": "Ответственный за сделку", "owner": True}, "Этап": "Статус сделки",
               "Контакт": "Полное имя (контакт)",
               "Телефон": {"field": "Рабочий телефон (контакт)", "transform": "phone"},
               "Email": {"field": "Рабочий email (контакт)", "transform": "email"},
               "Компания": "Название (компания)", "ИНН": "ИНН (компания)",
               "Заметка": "Примечание к сделке"}  # fmt: skip
    path = tmp_path / "deals.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "entity": "leads", "columns": columns}, allow_unicode=True),
                    encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("block_rows", [1, 7, 100_000])
@pytest.mark.parametrize("schema", [SAMPLES / "account.json", None])
def test_blocks_give_the_whole_table_report(tmp_path: Path, block_rows: int, schema: Path | None,
                                            workers: int) -> None:  # fmt: skip
    source = _write(tmp_path / "deals.csv", _rows(30 if block_rows == 1 else 180, seed=block_rows))
    profile, account = load_profile(_profile(tmp_path)), load_schema(schema)
    whole = validate_table(read_table(source), profile, account)[1]
    blocks = run_blocks(source, profile, account, block_rows=block_rows, workers=workers).report
    assert blocks.to_json() == whole.to_json()
    assert blocks == whole
    assert {i.code.value for i in whole.issues} >= {"bad_phone", "bad_email", "repeated_in_rows", "unmapped_column"}
    assert whole.rejected > 10 and whole.empty_rows > 0 and whole.duplicates


def test_issues_past_the_memory_bound_go_to_disk_and_the_report_is_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    source = _write(tmp_path / "deals.csv", _rows(240, seed=11))
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    monkeypatch.setattr("migrate.core.issue_log.MAX_ISSUES_IN_MEMORY", 9)
    monkeypatch.setattr("migrate.core.issue_log.CHUNK", 4)  # read at construction, as the bound is
    blocks = run_blocks(source, profile, account, block_rows=31, workers=1).report
    assert isinstance(blocks.issues, SpilledIssues) and len(blocks.issues) == len(whole.issues) > 100
    assert blocks == whole and list(blocks.issues) == whole.issues
    assert blocks.to_json() == whole.to_json()
    assert blocks.summary(limit=25) == whole.summary(limit=25)
    assert blocks._repr_html_() == whole._repr_html_()
    assert blocks.to_frame(severity="error").equals(whole.to_frame(severity="error"))
    assert blocks.rejected_rows == whole.rejected_rows and blocks.by_code() == whole.by_code()
    for report, name in ((blocks, "a"), (whole, "b")):  # the report workbook reads the spilled issues too
        write_report(report, tmp_path / f"{name}.xlsx")
        write_rejects(report.table, report, tmp_path / f"{name}.rejects.xlsx")  # the errors of rejected rows
    assert _content(tmp_path / "a.xlsx") == _content(tmp_path / "b.xlsx")
    assert _content(tmp_path / "a.rejects.xlsx") == _content(tmp_path / "b.rejects.xlsx")
    rejects = pd.read_excel(tmp_path / "a.rejects.xlsx", dtype=str, engine="calamine")
    assert rejects.iloc[:, 0].astype(int).tolist() == whole.rejected_rows and len(whole.rejected_rows) > 10
    monkeypatch.setattr("migrate.sinks.reports.MAX_ANNOTATED_ROWS", 7)  # annotated rows read only so far
    for report, name in ((blocks, "c"), (whole, "d")):
        write_report(report, tmp_path / f"{name}.xlsx")
    assert _content(tmp_path / "c.xlsx") == _content(tmp_path / "d.xlsx") != _content(tmp_path / "a.xlsx")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_in_blocks_writes_the_bytes_of_the_whole_export(tmp_path: Path, suffix: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    source = _write(tmp_path / "deals.csv", _rows(300, seed=5))
    profile = _profile(tmp_path)
    schema = SAMPLES / "account.json"
    monkeypatch.setattr("migrate.sources.blocks.BLOCK_ROWS", 23)
    chunked = api.export(source, profile, tmp_path / f"a{suffix}", schema, max_rows=40, report=tmp_path / "a.json")
    monkeypatch.setattr("migrate.chunked.run_blocks", _refuse)  # the whole table, to compare with
    whole = api.export(source, profile, tmp_path / f"b{suffix}", schema, max_rows=40, report=tmp_path / "b.json")
    assert whole.outputs["import"][0].name.startswith("b")
    assert _without_outputs(chunked.to_json()) == _without_outputs(whole.to_json())
    assert _without_outputs((tmp_path / "a.json").read_text(encoding="utf-8")) == _without_outputs(
        (tmp_path / "b.json").read_text(encoding="utf-8")
    )
    pairs = list(zip(chunked.outputs["import"], whole.outputs["import"], strict=True))
    assert len(pairs) >= 3 if suffix == ".xlsx" else len(pairs) == 1
    for a, b in pairs:
        assert _content(a) == _content(b)
    assert _content(chunked.outputs["rejects"][0]) == _content(whole.outputs["rejects"][0])


def test_a_failing_worker_gives_the_same_report(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A worker that dies or raises has its block checked again in the parent: the Report is the same, and
    an error the blocks really hold is raised in the parent's own words, never as a pool error."""
    source = _write(tmp_path / "deals.csv", _rows(90, seed=11), late_column=False)
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    expected = run_blocks(source, profile, account, block_rows=10, workers=1).report
    monkeypatch.setattr("migrate.block_workers._worker_check", _boom)  # the forked workers inherit it
    assert run_blocks(source, profile, account, block_rows=10, workers=2).report == expected


@pytest.mark.parametrize("start", ["raises", "dies"])
def test_a_pool_whose_workers_cannot_start_leaves_every_block_to_the_parent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str) -> None:  # fmt: skip
    """The workers are forked, and asked for a first empty task, before any block is read: when that fails
    (a fork refused, a worker killed for memory), no block was sent, and this process checks them all."""
    source = _write(tmp_path / "deals.csv", _rows(90, seed=21), late_column=False)
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    expected = run_blocks(source, profile, account, block_rows=10, workers=1).report
    monkeypatch.setattr("migrate.block_workers._ready", _boom if start == "raises" else _die)
    checked_here: list[int] = []
    real = __import__("migrate.block_workers", fromlist=["digest_block"]).digest_block

    def here(block, *args):  # noqa: ANN001, ANN202
        checked_here.append(len(block.frame))
        return real(block, *args)

    monkeypatch.setattr("migrate.block_workers.digest_block", here)
    assert run_blocks(source, profile, account, block_rows=10, workers=2).report == expected
    assert sum(checked_here) == expected.read and len(checked_here) >= 9  # every block, here


def test_workers_started_by_spawn_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows have no fork: the workers are spawned (a fresh interpreter each, the profile and
    schema sent to it) and the Report is the one a single process makes."""
    import multiprocessing

    source = _write(tmp_path / "deals.csv", _rows(90, seed=23), late_column=False)
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    expected = run_blocks(source, profile, account, block_rows=20, workers=1).report
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    here: list[int] = []
    real = __import__("migrate.block_workers", fromlist=["digest_block"]).digest_block

    def counted(block, *args):  # noqa: ANN001, ANN202 - a spawned worker imports the module afresh, uncounted
        here.append(len(block.frame))
        return real(block, *args)

    monkeypatch.setattr("migrate.block_workers.digest_block", counted)
    assert run_blocks(source, profile, account, block_rows=20, workers=2).report == expected
    assert len(here) == 1  # the first block; every other one was checked by a spawned worker


def _die(*args: object) -> None:
    import os

    os._exit(3)


def test_a_block_run_counts_its_rows_on_a_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _write(tmp_path / "deals.csv", _rows(90, seed=12), late_column=False)
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    seen: list[tuple[str, int]] = []

    class Bars:
        def __init__(self, enabled: bool) -> None:
            assert enabled

        def stage(self, desc: str, total: int | None, unit: str = "it") -> object:
            seen.append((desc, 0))
            return lambda n: seen.append((desc, n))

        def close(self) -> None:
            pass

    monkeypatch.setattr("migrate.chunked.Progress", Bars)
    report = run_blocks(source, profile, account, block_rows=20, workers=1, progress=True).report
    assert sum(n for desc, n in seen if desc == "checking rows") == report.read == 90
    assert [d for d, n in seen if n == 0] == ["checking rows", "duplicates and repeated clients"]


def test_no_more_workers_start_than_the_file_has_blocks_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker is a process's memory: a file of three blocks gets two workers at most, of two blocks
    one, of one block none; the estimate comes from the file's size and the length of its first lines."""
    from concurrent.futures import ProcessPoolExecutor

    from migrate.block_workers import expected_blocks

    sizes: list[int] = []

    class Recording(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kwargs: object) -> None:
            sizes.append(max_workers)
            super().__init__(max_workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("migrate.block_workers.ProcessPoolExecutor", Recording)
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    source = _write(tmp_path / "deals.csv", _rows(60, seed=13, two_phones_at=None), late_column=False)
    lines = len(source.read_bytes().splitlines())
    assert expected_blocks(source, 20) in (3, 4) and expected_blocks(source, lines) == 1
    two = lines // 2 + 1  # two blocks of this many rows
    assert expected_blocks(source, two) == 2
    for block_rows, pool in ((10, min(4, expected_blocks(source, 10) - 1)), (two, 1), (lines, None)):
        run_blocks(source, profile, account, block_rows=block_rows, workers=4)
        assert (sizes.pop() if sizes else None) == pool


def test_the_workers_are_forked_before_the_pass_reads_its_blocks(tmp_path: Path) -> None:
    """A forked worker keeps, for its whole life, every page of the parent it was forked with that the
    parent later frees and reuses: forked after the first two blocks were read, each worker of a 1M-row
    run carried ~100 MB of them. With an estimate of several blocks the pool forks before the first read;
    an estimate larger than the file leaves the blocks to this process. Digests are the same either way."""
    import multiprocessing

    from migrate.block_workers import checked_blocks
    from migrate.sources.blocks import csv_blocks

    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    source = _write(tmp_path / "deals.csv", _rows(60, seed=17, two_phones_at=None), late_column=False)
    children_at_read: list[int] = []

    def watched(rows: int):  # the blocks, noting how many processes this one has when each is read
        for block in csv_blocks(source, rows=rows).blocks:
            children_at_read.append(len(multiprocessing.active_children()))
            yield block

    def digests(rows: int, workers: int, expected: int | None) -> list[tuple[list[str], list]]:
        run = checked_blocks(watched(rows), profile, account, "name", workers, None, expected)
        return [(d.columns, d.issues, d.rejected, d.keys.astype(str).values.tolist()) for _, d in run]

    alone = digests(20, 1, None)
    children_at_read.clear()
    assert len(alone) >= 3 and digests(20, 2, len(alone)) == alone
    assert children_at_read == [2] * len(alone)  # both workers were there before the first block was read
    children_at_read.clear()
    one_block = digests(100, 1, None)
    assert len(one_block) == 1
    assert digests(100, 2, 3) == one_block  # the estimate said three: the pool forked, this process checked it
    assert digests(100, 2, None) == one_block  # no estimate: the file is read first, and no process starts
    assert children_at_read[-1] == 0


def test_no_block_waits_in_the_parent_behind_a_busy_worker(tmp_path: Path) -> None:
    """A block queued for a worker is a block's memory in this process for nothing while every core is
    busy: with two workers, at most two blocks are read and not yet handed back when the next is read."""
    from migrate.block_workers import checked_blocks
    from migrate.sources.blocks import csv_blocks

    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    source = _write(tmp_path / "deals.csv", _rows(120, seed=19, two_phones_at=None), late_column=False)
    read, back, in_flight = [0], [0], []

    def counted():
        for block in csv_blocks(source, rows=10).blocks:
            read[0] += 1
            in_flight.append(read[0] - back[0])
            yield block

    rows = []
    for block, _ in checked_blocks(counted(), profile, account, "name", 2, None, 12):
        back[0] += 1
        rows.append(block.frame.index[0])
    assert len(rows) >= 12 and rows == sorted(rows)
    assert max(in_flight) == 2


def _boom(*args: object) -> None:
    raise RuntimeError("a worker that fails")


def _refuse(*args: object, **kwargs: object) -> None:
    raise NotStreamable("refused by the test")


def _without_outputs(text: str) -> dict[str, object]:
    data = json.loads(text)
    data.pop("outputs")
    return data


def _content(path: Path) -> dict[str, bytes]:
    """A file's bytes; for a workbook every member's bytes but the creation time in docProps/core.xml."""
    if path.suffix != ".xlsx":
        return {"": path.read_bytes()}
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_a_column_that_appears_further_down_sends_the_run_to_the_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second phone far down adds the 'other phone' column to the whole import file: a block pass
    refuses, and `export` runs the whole table instead, with the same result."""
    source = _write(tmp_path / "deals.csv", _rows(120, seed=3, two_phones_at=100))
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    with pytest.raises(NotStreamable):
        run_blocks(source, profile, account, block_rows=10)
    monkeypatch.setattr("migrate.sources.blocks.BLOCK_ROWS", 10)
    report = api.export(source, profile, tmp_path / "out.csv", SAMPLES / "account.json")
    assert "Другой телефон (контакт)" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert not list(tmp_path.glob(".out.csv*"))  # the refused pass left nothing behind
    report.outputs = {}
    assert report == validate_table(read_table(source), profile, account)[1]


def test_a_cp1251_file_is_read_whole_and_validates_the_same(tmp_path: Path) -> None:
    rows = _rows(40, seed=9)
    path = tmp_path / "deals.csv"
    with path.open("w", encoding="cp1251", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, *[[c.replace("«", '"').replace("»", '"') for c in r]
                                                          for r in rows]])  # fmt: skip
    profile = _profile(tmp_path)
    report = api.validate(path, profile, SAMPLES / "account.json")
    assert report == validate_table(read_table(path), load_profile(profile), load_schema(SAMPLES / "account.json"))[1]


def test_a_key_source_column_equal_to_its_mapped_values_is_not_kept_and_messages_still_quote_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import migrate.chunked as chunked

    source = _write(tmp_path / "deals.csv", _rows(150, seed=5))
    profile, account = load_profile(_profile(tmp_path)), load_schema(SAMPLES / "account.json")
    whole = validate_table(read_table(source), profile, account)[1]
    built: list[list[str]] = []
    filled = chunked._filled
    monkeypatch.setattr(chunked, "_filled", lambda s, m, sparse: built.append(list(s.columns)) or filled(s, m, sparse))
    blocks = run_blocks(source, profile, account, block_rows=13, workers=1).report
    # company names map to themselves on every row: no source column of them at the end; phones do not
    assert built and "Компания" not in built[0] and "Телефон" in built[0]
    assert blocks == whole and blocks.to_json() == whole.to_json()
    quoted = [i for i in whole.issues if i.code.value == "repeated_in_rows" and i.column == "Компания"]
    assert quoted and all(i.value for i in quoted)  # the source cell, read from the mapped column


def test_a_block_without_the_first_blocks_extra_column_is_written_in_the_files_columns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Workers send a CSV block as text in its own columns; a block lacking a column of the first (the
    second phone of row 1 opens a column no later block has) is checked again here and moved to them."""
    import migrate.chunked as chunked

    source = _write(tmp_path / "deals.csv", _rows(120, seed=3, two_phones_at=0), late_column=False)
    profile, schema = _profile(tmp_path), SAMPLES / "account.json"
    monkeypatch.setattr("migrate.sources.blocks.BLOCK_ROWS", 17)
    monkeypatch.setenv("AMOMIGRATE_WORKERS", "2")  # text comes from workers only, whatever the machine's CPUs
    again: list[str] = []
    digest = chunked.digest_block
    monkeypatch.setattr(chunked, "digest_block", lambda *a: again.append(a[-1]) or digest(*a))
    in_blocks = api.export(source, profile, tmp_path / "a.csv", schema)
    monkeypatch.setattr("migrate.chunked.run_blocks", _refuse)
    api.export(source, profile, tmp_path / "b.csv", schema)
    assert again and set(again) == {"frame"}  # every block but the first came as text in fewer columns
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert in_blocks.outputs["import"] == [tmp_path / "a.csv"]


_CELLS = st.one_of(st.text(max_size=8), st.sampled_from(["", "\x00", "a\x00b", "Ромашка", "\ud800"]))


@settings(max_examples=150, deadline=None)
@given(grid=st.lists(st.lists(_CELLS, min_size=3, max_size=3), max_size=12), odd=st.booleans())
def test_a_block_shipped_to_a_worker_arrives_equal(grid: list[list[object]], odd: bool) -> None:
    """A block travels to a worker with each column's cells joined by NUL: a cell holding a NUL, a lone
    surrogate, an empty block or a cell that is not a str (sent as it is) must arrive unchanged."""
    frame = pd.DataFrame(grid, columns=["Сделка", "Телефон", "Заметка"], dtype=object,
                         index=pd.Index(range(2, len(grid) + 2), dtype="int64"))  # fmt: skip
    if odd and len(grid):
        frame.iloc[0, 1] = None
    table = SourceTable(frame=frame, path=Path("deals.csv"), kind="csv", header_row=1, delimiter=";",
                        original_headers=list(frame.columns), empty_rows=3)  # fmt: skip
    arrived = pickle.loads(ForkingPickler.dumps(Shipped(table)))
    pd.testing.assert_frame_equal(arrived.frame, frame)
    assert [c for c in arrived.frame.iloc[:, 2]] == list(frame.iloc[:, 2])
    assert replace(arrived, frame=frame) == replace(table, frame=frame)


def test_a_shipped_block_pickles_once_and_is_let_go() -> None:
    table = SourceTable(frame=pd.DataFrame({"a": ["x", "y"]}, index=[2, 3], dtype=object), path=Path("f.csv"),
                        kind="csv")  # fmt: skip
    shipped = Shipped(table)
    pickle.dumps(shipped)
    assert shipped.block is None  # the pool's task no longer holds the block once it is sent
    with pytest.raises(RuntimeError, match="once"):
        pickle.dumps(shipped)
