"""The sandbox's tasks over HTTP: the API's validation of text, complete_till, entity and responsible user,
one bad task refusing the whole request, and GET with filters and pages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

ACCOUNT = load_schema(Path(__file__).resolve().parents[1] / "samples" / "account.json")
ANNA, INACTIVE = 8100001, 8100005


@pytest.fixture
def api():
    with Sandbox(ACCOUNT, rate_limit=0) as sb:
        with httpx.Client(base_url=f"{sb.url}/api/v4", headers={"Authorization": f"Bearer {sb.token}"}) as client:
            lead = client.post("/leads", json=[{"name": "Сделка"}]).json()["_embedded"]["leads"][0]["id"]
            yield client, lead


def task(**kw):
    return {"text": "Позвонить", "complete_till": 1797750000, **kw}


def test_a_task_is_created_on_its_record_and_read_back(api):
    client, lead = api
    r = client.post("/tasks", json=[task(entity_type="leads", entity_id=lead, responsible_user_id=ANNA,
                                         request_id="t1")])  # fmt: skip
    assert r.status_code == 200
    made = r.json()["_embedded"]["tasks"][0]
    assert made["request_id"] == "t1"
    got = client.get(f"/tasks/{made['id']}").json()
    assert (got["entity_type"], got["entity_id"], got["responsible_user_id"], got["complete_till"],
            got["is_completed"], got["text"]) == ("leads", lead, ANNA, 1797750000, False, "Позвонить")  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "path", "code"),
    [
        ({"text": ""}, "text", "NotBlank"),
        ({"complete_till": "2026-12-20"}, "complete_till", "InvalidType"),
        ({"entity_type": "customers", "entity_id": 1}, "entity_type", "NotSupportedChoice"),
        ({"entity_type": "leads", "entity_id": 999}, "entity_id", "NotSupportedChoice"),
        ({"entity_type": "leads", "entity_id": "1"}, "entity_id", "InvalidType"),
        ({"responsible_user_id": INACTIVE}, "responsible_user_id", "NotSupportedChoice"),
        ({"responsible_user_id": 4242}, "responsible_user_id", "NotSupportedChoice"),
    ],
)
def test_a_bad_task_refuses_the_whole_request_naming_its_field(api, bad, path, code):
    client, lead = api
    r = client.post("/tasks", json=[task(entity_type="leads", entity_id=lead), task(**bad)])
    assert r.status_code == 400
    failed = [(e["request_id"], [(x["path"], x["code"]) for x in e["errors"]])
              for e in r.json()["validation-errors"] if e["errors"]]  # fmt: skip
    assert failed == [("1", [(path, code)])]
    assert client.get("/tasks").status_code == 204  # nothing saved


def test_tasks_are_listed_by_entity_in_pages(api):
    client, lead = api
    client.post("/tasks", json=[task(entity_type="leads", entity_id=lead, text=f"T{i}") for i in range(5)])
    client.post("/tasks", json=[task(text="без сделки")])
    page = client.get("/tasks", params={"filter[entity_id][]": lead, "filter[entity_type]": "leads", "limit": 3})
    assert [t["text"] for t in page.json()["_embedded"]["tasks"]] == ["T0", "T1", "T2"]
    assert "next" in page.json()["_links"]
    assert client.get("/tasks", params={"filter[is_completed]": "true"}).status_code == 204
    assert client.post("/tasks", json=[task()] * 251).status_code == 422
