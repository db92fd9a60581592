"""`schema pull`: a schema read from the (sandbox) API is the same contract as a hand-written one."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import api
from migrate.amocrm.auth import StaticToken
from migrate.amocrm.client import AmoClient
from migrate.amocrm.pull import pull_schema
from migrate.cli.amocrm import main_group
from migrate.core.schema import ENTITIES, load_schema
from migrate.sandbox.api import Api, problem
from migrate.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = ROOT / "samples" / "account.json"


@pytest.fixture(scope="module")
def pulled(tmp_path_factory):
    """The demo account served by a sandbox, pulled through the CLI; plus the sandbox's request log."""
    out = tmp_path_factory.mktemp("pull") / "account.json"
    with Sandbox(load_schema(ACCOUNT)) as sb:
        result = CliRunner().invoke(main_group, ["schema", "pull", "--base-url", sb.url, "-o", str(out)],
                                    env={"AMOCRM_TOKEN": sb.token})  # fmt: skip
        log = list(sb.requests)
    assert result.exit_code == 0, result.output
    assert "5 users, 2 pipelines" in result.output
    return out, log


def test_pulled_schema_gives_the_same_targets_as_the_hand_written_one(pulled):
    original, mine = load_schema(ACCOUNT), load_schema(pulled[0])
    for layout in ENTITIES:
        assert mine.targets(layout) == original.targets(layout), layout
    assert [(u.id, u.name, u.email, u.active) for u in mine.users] == [
        (u.id, u.name, u.email, u.active) for u in original.users
    ]
    assert mine.pipelines == original.pipelines  # ids, names, order, type 1 for "Неразобранное"
    assert mine.raw["account"]["subdomain"] == "demo" and mine.country == "RU"


def test_a_pulled_schema_validates_a_file_exactly_like_the_hand_written_one(pulled):
    source = ROOT / "samples" / "customers.xlsx"
    a = api.validate(source, "customers", ACCOUNT)
    b = api.validate(source, "customers", pulled[0])
    assert a.reconciliation() == b.reconciliation()
    assert a.to_frame().equals(b.to_frame())


def test_pull_only_reads(pulled):
    assert {r.method for r in pulled[1]} == {"GET"}
    paths = [r.path for r in pulled[1]]
    assert "/api/v4/users" in paths and "/api/v4/leads/pipelines" in paths
    assert {f"/api/v4/{e}/custom_fields" for e in ENTITIES} <= set(paths)


def test_every_custom_fields_page_is_read(tmp_path):
    data = json.loads(ACCOUNT.read_text(encoding="utf-8"))
    data["fields"]["leads"] += [{"name": f"Поле {i}", "id": 990000 + i, "type": "text"} for i in range(120)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with Sandbox(load_schema(path)) as sb, AmoClient(sb.url, StaticToken(sb.token)) as client:
        got = pull_schema(client)
        pages = [r for r in sb.requests if r.path == "/api/v4/leads/custom_fields"]
    assert len(got["fields"]["leads"]) == 125
    assert len(pages) == 3  # 50 a page, as the docs say the endpoint returns


def test_users_are_left_out_with_a_warning_when_the_token_is_not_an_admin(monkeypatch, tmp_path):
    monkeypatch.setattr(Api, "get_users", lambda self, req: problem(403, "Access denied"))
    warnings = []
    with Sandbox(load_schema(ACCOUNT)) as sb:
        monkeypatch.setenv("AMOCRM_TOKEN", sb.token)
        schema = api.pull_schema(base_url=sb.url, out=tmp_path / "a.json", warn=warnings.append)
    assert schema.users == [] and "administrator" in warnings[0]
    assert load_schema(tmp_path / "a.json").targets("leads") == load_schema(ACCOUNT).targets("leads")
