"""A whole base uploaded to the sandbox over HTTP: every company and contact once, every lead linked to the
right ids, comments on the right record, open tasks with the right user and deadline; re-runs, a fresh
journal, added deals, faults and SIGKILLs all end in the same account state."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.amocrm.client import RetryPolicy
from migrate.api_base import apply_plan_base, upload_base
from migrate.cli.main import cli
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = ROOT / "samples" / "account.json"
FAST = RetryPolicy(attempts=8, base=0.02, cap=0.2, default_retry_after=0.2)
USERS = {u["name"]: u["id"] for u in json.loads(ACCOUNT.read_text(encoding="utf-8"))["users"]}


def copy_base(tmp: Path, system: str) -> Path:
    shutil.copytree(ROOT / "samples" / system / "base", tmp / "base")
    return tmp / "base" / "migration.yaml"


def run(manifest: Path, sb: Sandbox, **kw):
    os.environ["AMOCRM_TOKEN"] = sb.token
    schema = manifest.with_name("migration.account.json")
    if not schema.exists():
        apply_plan_base(manifest, ACCOUNT, base_url=sb.url)
    return upload_base(manifest, schema, base_url=sb.url, retry=FAST, recovery_wait=0.05, **kw)


def source_keys(sb: Sandbox, entity: str) -> dict[int, str]:
    """AmoCRM id → the source key written in the source ID field."""
    fields = {f.id: f.name for f in sb.account.fields[entity]}
    out = {}
    for rid, record in sb.store.records(entity).items():
        for cf in record.get("custom_fields_values") or []:
            if fields.get(cf["field_id"], "").startswith("ID в"):
                out[rid] = cf["values"][0]["value"]
    return out


def state(sb: Sandbox) -> dict[str, object]:
    """The account in source terms, independent of AmoCRM ids and of the order things were created in."""
    keys = {e: source_keys(sb, e) for e in ("companies", "contacts", "leads")}
    out: dict[str, object] = {}
    for entity in keys:
        ids = sb.store.records(entity)
        assert len(keys[entity]) == len(ids), f"a {entity} record without its source key"
        out[entity] = sorted(
            (keys[entity][rid], ids[rid]["name"],
             tuple(sorted(keys[t][x] for t in ("contacts", "companies") if t != entity
                          for x in sb.store.linked(entity, rid, t))))
            for rid in ids
        )  # fmt: skip
    out["notes"] = sorted((n["entity_type"], keys[n["entity_type"]][n["entity_id"]], n["params"]["text"])
                          for n in sb.store.notes.values())  # fmt: skip
    out["tasks"] = sorted((t["entity_type"], keys[t["entity_type"]][t["entity_id"]], t["responsible_user_id"],
                           t["complete_till"], t["text"], t["is_completed"])
                          for t in sb.api.tasks.tasks.values())  # fmt: skip
    return out


def posts(sb: Sandbox, since: int = 0) -> int:
    return sum(1 for r in sb.requests[since:] if r.method in ("POST", "PATCH"))


def unix(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


# --- the sample bases ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["bitrix24", "megaplan"])
def uploaded(request, tmp_path_factory):
    manifest = copy_base(tmp_path_factory.mktemp(request.param), request.param)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        report, result = run(manifest, sb)
        first = state(sb)
        before = len(sb.requests)
        again = run(manifest, sb)[1]
        rerun_posts = posts(sb, before)
        manifest.with_name("migration.journal.sqlite").unlink()
        before = len(sb.requests)
        fresh = run(manifest, sb)[1]
        yield {"system": request.param, "state": first, "result": result, "report": report, "again": again,
               "rerun_posts": rerun_posts, "fresh_posts": posts(sb, before), "fresh": fresh,
               "final": state(sb)}  # fmt: skip


def test_every_company_and_contact_is_created_once(uploaded):
    s = uploaded["state"]
    expected = {"bitrix24": (["2", "4", "6", "8", "name:ооо луч"], [str(i) for i in range(10, 16)]),
                "megaplan": (["1", "2", "3"], ["11", "12", "13", "14", "15"])}[uploaded["system"]]  # fmt: skip
    assert [k for k, _, _ in s["companies"]] == expected[0]
    assert [k for k, _, _ in s["contacts"]] == expected[1]


def test_every_lead_is_linked_to_its_contacts_and_company(uploaded):
    links = {k: linked for k, _, linked in uploaded["state"]["leads"]}
    if uploaded["system"] == "bitrix24":  # contacts first, then the company; dangling 99 and 77 left out
        assert links == {"100": ("10", "11", "2"), "101": ("12", "4"), "102": ("13", "14", "6"), "103": ("15",),
                         "104": ("10",), "105": ("8",)}  # fmt: skip
        contacts = {k: linked for k, _, linked in uploaded["state"]["contacts"]}
        assert contacts["15"] == ("name:ооо луч",) and contacts["10"] == ("2",)
    else:  # deal 103's client is a person; deal 105's contact 55 dangles
        assert links == {"101": ("1", "11"), "102": ("14", "2"), "103": ("13",), "104": ("3",), "105": ("1",)}


def test_comments_are_notes_on_their_record_with_author_and_date(uploaded):
    notes = uploaded["state"]["notes"]
    if uploaded["system"] == "bitrix24":
        assert [(e, k) for e, k, _ in notes] == [("companies", "4"), ("contacts", "10"), ("leads", "100"),
                                                 ("leads", "101"), ("leads", "104")]  # fmt: skip
        text = dict(((e, k), t) for e, k, t in notes)[("leads", "100")]
        assert text == "Анна Смирнова · 12.03.2024 11:00\nКлиент просит КП до пятницы.\nОтправили прайс."
    else:
        assert [(e, k) for e, k, _ in notes] == [("companies", "2"), ("contacts", "12"), ("leads", "101"),
                                                 ("leads", "104")]  # fmt: skip


def test_open_tasks_go_on_their_record_with_user_and_deadline_and_closed_ones_are_skipped(uploaded):
    tasks = [(e, k, user, till) for e, k, user, till, _, _ in uploaded["state"]["tasks"]]
    if uploaded["system"] == "bitrix24":
        assert tasks == [
            ("companies", "6", USERS["Ольга Кузнецова"], unix("2026-12-23T09:00:00+03:00")),
            ("contacts", "11", USERS["Анна Смирнова"], unix("2026-12-21T15:30:00+03:00")),
            ("leads", "100", USERS["Игорь Петров"], unix("2026-12-20T10:00:00+03:00")),
            ("leads", "102", USERS["Ольга Кузнецова"], unix("2026-12-22T12:00:00+03:00")),  # D_102 before C_13
        ]
    else:  # Megaplan's UTC clock time is kept as written and read in the account's zone (Moscow)
        assert tasks == [
            ("contacts", "14", USERS["Анна Смирнова"], unix("2026-12-21T12:00:00+03:00")),
            ("leads", "101", USERS["Игорь Петров"], unix("2026-12-20T07:00:00+03:00")),
            ("leads", "104", USERS["Ольга Кузнецова"], unix("2026-12-22T06:00:00+03:00")),
        ]
    assert uploaded["result"].skipped_closed_tasks == 1


def test_a_rerun_writes_nothing_and_a_fresh_journal_finds_everything_through_the_source_id(uploaded):
    assert uploaded["rerun_posts"] == 0 and sum(uploaded["again"].created.values()) == 0
    assert uploaded["fresh_posts"] == 0 and sum(uploaded["fresh"].created.values()) == 0
    assert uploaded["final"] == uploaded["state"]
    assert uploaded["result"].ok
    assert sum(uploaded["fresh"].existing.values()) == sum(uploaded["result"].created.values())


def test_closed_tasks_are_sent_as_completed_on_request(tmp_path):
    manifest = copy_base(tmp_path, "bitrix24")
    with Sandbox(load_schema(ACCOUNT)) as sb:
        result = run(manifest, sb, closed_tasks=True)[1]
        done = [t for t in sb.api.tasks.tasks.values() if t["is_completed"]]
    assert result.skipped_closed_tasks == 0 and [t["text"] for t in done] == ["Согласовать смету\nСмета согласована"]


def test_upload_without_the_source_id_field_asks_for_plan_apply(tmp_path):
    manifest = copy_base(tmp_path, "megaplan")
    with Sandbox(load_schema(ACCOUNT)) as sb:
        result = CliRunner().invoke(cli, ["upload", str(manifest), "--schema", str(ACCOUNT), "--base-url", sb.url],
                                    env={"AMOCRM_TOKEN": sb.token})  # fmt: skip
        assert result.exit_code == 2 and "plan MANIFEST --apply" in result.output
        assert posts(sb) == 0


# --- growing exports, faults, kills ------------------------------------------------------------------------


def big_bitrix_base(folder: Path, deals: int, seed: int = 3) -> Path:
    """A generated Bitrix24 base (REST dumps): 1 company per 4 deals, 1 contact per 2, a comment on every
    deal, an open task on every 3rd."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    owners = ["1", "7", "12"]

    def dump(name: str, records: list[dict]) -> None:
        (folder / name).write_text(json.dumps({"result": records, "total": len(records)}, ensure_ascii=False),
                                   encoding="utf-8")  # fmt: skip

    dump("companies.json", [{"ID": str(i), "TITLE": f"ООО «Фирма {i}»", "ASSIGNED_BY_ID": rng.choice(owners),
                             "DATE_CREATE": "2024-01-01T10:00:00+03:00", "ADDRESS": None, "COMMENTS": None,
                             "PHONE": [{"VALUE_TYPE": "WORK", "VALUE": f"+7495{i:07d}"}], "EMAIL": []}
                            for i in range(1, deals // 4 + 1)])  # fmt: skip
    dump("contacts.json", [{"ID": str(i), "NAME": f"Имя{i}", "LAST_NAME": f"Фамилия{i}", "COMPANY_ID": str(1 + i // 2),
                            "ASSIGNED_BY_ID": rng.choice(owners), "DATE_CREATE": "2024-01-01T10:00:00+03:00",
                            "POST": "Менеджер", "COMMENTS": f"Заметка {i}" if i % 5 == 0 else None,
                            "PHONE": [{"VALUE_TYPE": "WORK", "VALUE": f"+7916{i:07d}"}]}
                           for i in range(1, deals // 2 + 1)])  # fmt: skip
    write_deals(folder, range(1, deals + 1), seed)
    dump("comments.json", [{"ID": f"c{i}", "ENTITY_TYPE": "deal", "ENTITY_ID": str(i), "AUTHOR_ID": "1",
                            "COMMENT": f"Комментарий {i}", "CREATED": "2024-02-01T10:00:00+03:00"}
                           for i in range(1, deals + 1)])  # fmt: skip
    dump("tasks.json", [{"ID": f"t{i}", "TITLE": f"Задача {i}", "DESCRIPTION": "", "CREATED_DATE": None,
                         "RESPONSIBLE_ID": "7", "STATUS": "2",
                         "DEADLINE": "2026-12-20T10:00:00+03:00", "UF_CRM_TASK": [f"D_{i}"]}
                        for i in range(1, deals + 1, 3)])  # fmt: skip
    shutil.copy(ROOT / "samples" / "bitrix24" / "base" / "migration.yaml", folder / "migration.yaml")
    text = (folder / "migration.yaml").read_text(encoding="utf-8")
    rest = "contacts.json,  profile: bitrix24-contacts-rest}"
    text = text.replace("contacts.csv,   profile: bitrix24-contacts}", rest)
    (folder / "migration.yaml").write_text(text, encoding="utf-8")
    return folder / "migration.yaml"


def write_deals(folder: Path, ids: range, seed: int, added: int = 0) -> None:
    """Deals with these ids; the last `added` ones name company 1 and contacts 1 and 2 of the first export."""
    rng = random.Random(seed)
    deals = [{"ID": str(i), "TITLE": f"Сделка {i}", "STAGE_ID": rng.choice(["NEW", "PREPARATION", "WON"]),
              "CATEGORY_ID": "0", "OPPORTUNITY": f"{rng.randrange(1, 500) * 1000}.00", "ASSIGNED_BY_ID": "1",
              "COMPANY_ID": str(1 + (i - 1) // 4), "CONTACT_IDS": [str(1 + (i - 1) // 2)],
              "DATE_CREATE": "2024-03-01T10:00:00+03:00", "COMMENTS": None} for i in ids]  # fmt: skip
    for d in deals[len(deals) - added :]:
        d.update(COMPANY_ID="1", CONTACT_IDS=["1", "2"])
    (folder / "deals.json").write_text(json.dumps({"result": deals, "total": len(deals)}, ensure_ascii=False),
                                       encoding="utf-8")  # fmt: skip


def test_five_deals_added_to_the_export_create_exactly_five_leads_linked_to_existing_records(tmp_path):
    manifest = big_bitrix_base(tmp_path / "b", 40)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        run(manifest, sb)
        before = state(sb)
        write_deals(manifest.parent, range(1, 46), 3, added=5)  # deals 41–45 appended; 1–40 unchanged
        result = run(manifest, sb)[1]
        after = state(sb)
    assert {e: n for e, n in result.created.items() if n} == {"leads": 5}
    new = [lead for lead in after["leads"] if lead not in before["leads"]]
    assert [(k, linked) for k, _, linked in new] == [(str(i), ("1", "1", "2")) for i in range(41, 46)]  # sorted keys
    assert after["contacts"] == before["contacts"] and after["companies"] == before["companies"]


def test_a_fault_run_ends_in_the_same_account_state_as_a_clean_run(tmp_path):
    manifest = big_bitrix_base(tmp_path / "clean", 80)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        run(manifest, sb)
        clean = state(sb)
    faulty = big_bitrix_base(tmp_path / "faulty", 80)
    with Sandbox(load_schema(ACCOUNT), fail_429=0.10, fail_5xx=0.08, drop=0.08, seed=5) as sb:
        result = run(faulty, sb)[1]
        faults = Counter(r.fault for r in sb.requests if r.fault)
        assert state(sb) == clean
    assert faults["drop-after"] >= 1 and faults["5xx"] >= 1, faults
    assert result.ok


def test_killed_three_times_then_resumed_ends_in_the_same_state(tmp_path):
    manifest = big_bitrix_base(tmp_path / "clean", 200)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        run(manifest, sb)
        clean = state(sb)
    manifest = big_bitrix_base(tmp_path / "killed", 200)
    rng, kills = random.Random(11), 0
    with Sandbox(load_schema(ACCOUNT), latency_ms=80) as sb:
        os.environ["AMOCRM_TOKEN"] = sb.token
        schema = apply_plan_base(manifest, ACCOUNT, base_url=sb.url)["schema"]
        cmd = [sys.executable, "-m", "migrate.cli.amocrm", "upload", str(manifest), "--schema", schema,
               "--base-url", sb.url, "--rate", "7"]  # fmt: skip
        env = {**os.environ, "AMOCRM_TOKEN": sb.token}
        for _ in range(8):  # bounded: at most 8 starts to land 3 kills
            before = len(sb.requests)
            proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while posts(sb, before) == 0 and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 1.5))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=10)
            if kills == 3:
                break
        assert kills == 3
        final = subprocess.run([*cmd, "--format", "json"], env=env, cwd=ROOT, capture_output=True, text=True,
                               timeout=120)  # fmt: skip
        assert final.returncode == 0, final.stderr
        assert state(sb) == clean
