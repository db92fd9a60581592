"""One writer per journal, and a damaged journal is never trusted (issue 12, items 3, 4, 9).

Two runs of one upload started a second apart used to both send every row (264 rows → 278 leads); a
journal with a flipped byte was a traceback, and one whose `created` table was dropped was silently
recreated empty, so every row went again. The tests run real uploads against the sandbox over HTTP.
"""

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
from click.testing import CliRunner
from test_upload import ACCOUNT, DEALS_PROFILE, ROOT, deals_csv, upload

from migrate.amocrm.upload.journal import Journal
from migrate.amocrm.upload.journal_lock import JournalBusy, JournalLock
from migrate.cli.amocrm import main_group
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox


def cli_args(src, journal, sb):
    return ["upload", str(src), "-p", str(DEALS_PROFILE), "--schema", str(ACCOUNT), "--journal", str(journal),
            "--base-url", sb.url, "-q"]  # fmt: skip


def test_a_second_run_on_the_same_journal_stops_at_once_and_nothing_is_duplicated(tmp_path):
    n = 120
    src = deals_csv(tmp_path / "deals.csv", n)
    journal = tmp_path / "j.sqlite"
    with Sandbox(load_schema(ACCOUNT), latency_ms=300) as sb:
        env = {**os.environ, "AMOCRM_TOKEN": sb.token}
        first = subprocess.Popen([sys.executable, "-m", "migrate.cli.amocrm", *cli_args(src, journal, sb)], env=env,
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 30
        while not sb.store.leads and first.poll() is None:  # the first run is sending
            assert time.monotonic() < deadline
            time.sleep(0.02)
        started = time.monotonic()
        second = CliRunner().invoke(main_group, cli_args(src, journal, sb), env={"AMOCRM_TOKEN": sb.token})
        took = time.monotonic() - started
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err.decode()
        assert second.exit_code == 2, second.output
        assert f"in use by another upload (pid {first.pid} on " in second.output and "started " in second.output
        assert took < 10  # it does not wait for the other run, nor send anything
        names = Counter(lead["name"] for lead in sb.store.leads.values())
        assert len(names) == n and max(names.values()) == 1


def test_the_lock_is_released_when_the_run_ends_even_by_an_exception(tmp_path, monkeypatch):
    journal = tmp_path / "j.sqlite"
    book = Journal(journal, {"source": "s"})
    with pytest.raises(JournalBusy, match=f"pid {os.getpid()}"):
        JournalLock.acquire(journal)
    book.close()
    JournalLock.acquire(journal).release()
    with pytest.raises(Exception, match="belongs to another upload"):
        Journal(journal, {"source": "other"})
    Journal(journal, {"source": "s"}).close()  # the refusal above released its lock too


def _uploaded_journal(tmp_path, sb, n=60):
    src = deals_csv(tmp_path / "deals.csv", n)
    upload(src, sb, tmp_path)
    assert len(sb.store.leads) == n
    return src, tmp_path / "j.sqlite"


def _flip_bytes(path, at, count=64):
    data = bytearray(path.read_bytes())
    for i in range(at, min(at + count, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["header", "page", "dropped-created", "emptied-created", "newer"])
def test_a_damaged_journal_is_refused_with_what_to_do_and_nothing_is_resent(tmp_path, monkeypatch, damage):
    with Sandbox(load_schema(ACCOUNT)) as sb:
        monkeypatch.setenv("AMOCRM_TOKEN", sb.token)
        src, journal = _uploaded_journal(tmp_path, sb)
        if damage == "header":
            _flip_bytes(journal, 0)
        elif damage == "page":
            _flip_bytes(journal, journal.stat().st_size - 4096)  # the last page's b-tree header
        else:
            db = sqlite3.connect(journal)
            db.execute({"dropped-created": "DROP TABLE created", "emptied-created": "DELETE FROM created",
                        "newer": "PRAGMA user_version = 99"}[damage])  # fmt: skip
            db.commit()
            db.close()
        result = CliRunner().invoke(main_group, cli_args(src, journal, sb), env={"AMOCRM_TOKEN": sb.token})
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "Nothing was sent" in result.output
        assert "backup" in result.output
        assert len(sb.store.leads) == 60  # not one row sent again


def test_a_healthy_journal_of_wholly_refused_batches_still_resumes(tmp_path):
    journal = tmp_path / "j.sqlite"
    book = Journal(journal, {"source": "s"})
    seq = book.begin("complex:leads", [2, 3], "h", "tag")
    book.finish(seq, refused=[(2, None, "bad"), (3, None, "bad")])
    book.forget_refusals()  # what the next run does first
    book.close()
    Journal(journal, {"source": "s"}).close()
