"""The AmoCRM API v4 sandbox over real HTTP: auth, limits, paging, writes, validation, links, faults, CLI."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = load_schema(ROOT / "samples" / "account.json")
SOURCE, PRODUCTS, CONTRACT_DATE, PROBABILITY = 900101, 900102, 900103, 900105  # lead fields of the sample
INDUSTRY = 900302  # company select "Отрасль"
MAIN, WHOLESALE = 7001001, 7001002
ANNA, ELENA_INACTIVE = 8100001, 8100005


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sb():
    with Sandbox(ACCOUNT, rate_limit=0) as sandbox:
        yield sandbox


@pytest.fixture
def api(sb):
    with httpx.Client(base_url=f"{sb.url}/api/v4", headers=bearer(sb.token), timeout=5) as client:
        yield client


def phone(value: str, code: str = "WORK") -> dict:
    return {"field_code": "PHONE", "values": [{"value": value, "enum_code": code}]}


# auth, rate limit, block ------------------------------------------------------------------------------------


def test_every_api_path_needs_the_bearer_token(sb):
    with httpx.Client(base_url=sb.url, timeout=5) as client:
        for headers in ({}, bearer("wrong"), {"Authorization": sb.token}):
            r = client.get("/api/v4/leads", headers=headers)
            assert r.status_code == 401
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json() == {"title": "Unauthorized", "type": "https://httpstatus.es/401", "status": 401,
                                "detail": "Invalid user name or password"}  # fmt: skip
        assert (
            client.get("/api/v4/account", headers=bearer(sb.token))
            .headers["content-type"]
            .startswith("application/hal+json")
        )
        sb.revoke_token(sb.token)
        assert client.get("/api/v4/account", headers=bearer(sb.token)).status_code == 401


def test_oauth_code_and_single_use_refresh_tokens():
    with Sandbox(ACCOUNT, oauth_client=("cid", "secret")) as sb, httpx.Client(base_url=sb.url, timeout=5) as client:
        form = {"client_id": "cid", "client_secret": "secret", "redirect_uri": "https://example.ru"}
        code = sb.new_auth_code()
        first = client.post("/oauth2/access_token", json={**form, "grant_type": "authorization_code", "code": code})
        assert first.status_code == 200
        tokens = first.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 86400
        assert client.get("/api/v4/account", headers=bearer(tokens["access_token"])).status_code == 200
        again = client.post("/oauth2/access_token", json={**form, "grant_type": "authorization_code", "code": code})
        assert again.status_code == 400  # a code is single use
        refresh = {**form, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        second = client.post("/oauth2/access_token", data=refresh)  # form-encoded works too
        assert second.status_code == 200
        assert client.get("/api/v4/leads", headers=bearer(second.json()["access_token"])).status_code == 204
        assert client.post("/oauth2/access_token", json=refresh).status_code == 400  # refresh token used up
        bad_client = {**refresh, "client_secret": "nope", "refresh_token": second.json()["refresh_token"]}
        assert client.post("/oauth2/access_token", json=bad_client).status_code == 401


def test_more_than_7_requests_in_a_second_get_429_with_retry_after():
    with Sandbox(ACCOUNT, retry_after=2) as sb, httpx.Client(base_url=sb.url, headers=bearer(sb.token)) as client:
        statuses = [client.get("/api/v4/account").status_code for _ in range(10)]
        assert statuses == [200] * 7 + [429] * 3
        r = client.get("/api/v4/account")
        detail = "You have sent too many requests in a given amount of time."
        assert r.json() == {"title": "Too Many Requests", "type": "https://httpstatus.es/429", "status": 429,
                            "detail": detail, "retry_after": 2}  # fmt: skip
        assert [x.fault for x in sb.requests].count("rate") == 4


def test_requests_paced_at_7_per_second_pass():
    with Sandbox(ACCOUNT) as sb, httpx.Client(base_url=sb.url, headers=bearer(sb.token)) as client:
        start = time.monotonic()
        for i in range(9):  # 9 requests over 1.36 s: more than 7 in all, never 8 in a second (0.19 s to spare)
            time.sleep(max(0.0, start + i * 0.17 - time.monotonic()))
            assert client.get("/api/v4/account").status_code == 200
        times = [x.time for x in sb.requests]
        assert max(sum(1 for t in times if s <= t < s + 1) for s in times) <= 7


def test_repeated_violations_block_everything_with_403():
    with Sandbox(ACCOUNT, rate_limit=2, block_after=2) as sb, httpx.Client(base_url=sb.url) as client:
        responses = [client.get("/api/v4/account", headers=bearer(sb.token)) for _ in range(6)]
        assert [r.status_code for r in responses] == [200, 200, 429, 429, 403, 403]
        assert responses[-1].headers["content-type"].startswith("text/html")
        assert client.get("/oauth2/access_token").status_code == 403  # everything, not only the API
        sb.limiter.limit = 0
        sb.unblock()
        assert client.get("/api/v4/account", headers=bearer(sb.token)).status_code == 200


def test_payment_required_switch(sb, api):
    sb.payment_required = True
    r = api.get("/leads")
    assert (r.status_code, r.json()["detail"]) == (402, "Payment required")


# account data -----------------------------------------------------------------------------------------------


def test_account_users_and_pipelines_come_from_the_schema(api):
    account = api.get("/account", params={"with": "users_groups"}).json()
    assert (account["id"], account["subdomain"], account["current_user_id"]) == (30100001, "demo", ANNA)
    assert "users_groups" in account["_embedded"]
    users = api.get("/users").json()
    assert users["_total_items"] == 5
    active = {u["id"]: u["rights"]["is_active"] for u in users["_embedded"]["users"]}
    assert active[ANNA] and not active[ELENA_INACTIVE]
    pipelines = api.get("/leads/pipelines").json()["_embedded"]["pipelines"]
    assert [p["id"] for p in pipelines] == [MAIN, WHOLESALE]
    statuses = pipelines[1]["_embedded"]["statuses"]
    assert {142, 143, 61000021} <= {s["id"] for s in statuses}
    assert all(s["pipeline_id"] == WHOLESALE for s in statuses)
    assert statuses[0]["type"] == 1 and not statuses[0]["is_editable"]


def test_custom_fields_come_50_per_page(tmp_path):
    raw = json.loads(json.dumps(ACCOUNT.raw))
    raw["fields"]["leads"] = [{"name": f"Поле {i}", "id": 700000 + i, "type": "text"} for i in range(120)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with Sandbox(load_schema(path), rate_limit=0) as sb, httpx.Client(base_url=sb.url, headers=bearer(sb.token)) as c:
        pages = [c.get("/api/v4/leads/custom_fields", params={"page": n}).json() for n in (1, 2, 3)]
        assert [len(p["_embedded"]["custom_fields"]) for p in pages] == [50, 50, 20]
        assert {(p["_page"], p["_page_count"], p["_total_items"]) for p in pages} == {(1, 3, 120), (2, 3, 120),
                                                                                     (3, 3, 120)}  # fmt: skip
        assert "page=2" in pages[0]["_links"]["next"]["href"] and "next" not in pages[2]["_links"]
        assert c.get("/api/v4/leads/custom_fields", params={"page": 4}).status_code == 204
        assert (
            len(c.get("/api/v4/leads/custom_fields", params={"limit": 250}).json()["_embedded"]["custom_fields"]) == 120
        )
        contact_fields = c.get("/api/v4/contacts/custom_fields").json()["_embedded"]["custom_fields"]
        by_code = {f["code"]: f for f in contact_fields}
        assert [e["value"] for e in by_code["PHONE"]["enums"]] == ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]
        assert by_code["PHONE"]["is_predefined"] and not by_code["PHONE"]["is_deletable"]


# writes and reads -------------------------------------------------------------------------------------------


def test_create_entities_and_read_them_back(sb, api):
    leads = [
        {"name": "Поставка", "price": 1500, "responsible_user_id": ANNA, "request_id": "row-2",
         "custom_fields_values": [
             {"field_id": SOURCE, "values": [{"enum_id": 910002}]},
             {"field_id": PRODUCTS, "values": [{"value": "Доставка"}, {"value": "Монтаж"}]},
             {"field_id": CONTRACT_DATE, "values": [{"value": "2024-03-01T00:00:00+00:00"}]},
             {"field_id": PROBABILITY, "values": [{"value": "75"}]}],
         "_embedded": {"tags": [{"name": "amomigrate-run-1"}]}},
        {"name": "Опт", "pipeline_id": WHOLESALE, "status_id": 142, "tags_to_add": [{"name": "amomigrate-run-1"}]},
    ]  # fmt: skip
    r = api.post("/leads", json=leads)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/hal+json")
    created = r.json()["_embedded"]["leads"]
    assert [c["request_id"] for c in created] == ["row-2", "1"]
    lead = api.get(f"/leads/{created[0]['id']}").json()
    assert (lead["name"], lead["price"], lead["pipeline_id"], lead["status_id"]) == ("Поставка", 1500, MAIN, 61000011)
    values = {cf["field_id"]: cf for cf in lead["custom_fields_values"]}
    assert values[SOURCE]["field_name"] == "Источник" and values[SOURCE]["field_type"] == "select"
    assert values[SOURCE]["values"] == [{"value": "Звонок", "enum_id": 910002, "enum_code": None}]
    assert [v["enum_id"] for v in values[PRODUCTS]["values"]] == [910011, 910012]
    assert values[CONTRACT_DATE]["values"] == [{"value": 1709251200}]
    tag_ids = {t["id"] for lead in api.get("/leads").json()["_embedded"]["leads"] for t in lead["_embedded"]["tags"]}
    assert len(tag_ids) == 1  # the run tag was created once and reused
    assert sb.store.leads[created[1]["id"]]["closed_at"] is not None

    contact = {"first_name": "Иван", "last_name": "Петров", "custom_fields_values": [phone("+7 916 123-45-67", "MOB")],
               "tags_to_add": [{"name": "amomigrate-run-1"}]}  # fmt: skip
    contact_id = api.post("/contacts", json=[contact]).json()["_embedded"]["contacts"][0]["id"]
    stored = api.get(f"/contacts/{contact_id}").json()
    assert stored["name"] == "Иван Петров"
    assert stored["custom_fields_values"][0]["values"] == [
        {"value": "+7 916 123-45-67", "enum_id": 3, "enum_code": "MOB"}
    ]
    assert stored["_embedded"]["tags"][0]["id"] not in tag_ids  # tag ids are per entity type
    company = {"name": "ООО Ромашка", "custom_fields_values": [{"field_id": INDUSTRY, "values": [{"value": "Услуги"}]}]}
    company_id = api.post("/companies", json=[company]).json()["_embedded"]["companies"][0]["id"]
    assert sb.store.companies[company_id]["custom_fields_values"][0]["values"][0]["enum_id"] == 910023


def test_lists_page_limit_query_and_filters(sb, api):
    contacts = [{"name": f"Клиент {i}", "custom_fields_values": [phone(f"+7916000000{i}")]} for i in range(7)]
    contacts[3]["tags_to_add"] = [{"name": "run-42"}]
    ids = [c["id"] for c in api.post("/contacts", json=contacts).json()["_embedded"]["contacts"]]
    page1 = api.get("/contacts", params={"limit": 3}).json()
    assert [c["id"] for c in page1["_embedded"]["contacts"]] == ids[:3]
    assert "page=2" in page1["_links"]["next"]["href"]
    page3 = api.get("/contacts", params={"limit": 3, "page": 3}).json()
    assert len(page3["_embedded"]["contacts"]) == 1 and "next" not in page3["_links"]
    empty = api.get("/contacts", params={"limit": 3, "page": 4})
    assert empty.status_code == 204 and empty.content == b""
    too_big = api.get("/contacts", params={"limit": 251})
    assert too_big.status_code == 422 and too_big.json()["detail"] == "Limit 250 per page"
    assert api.get("/companies").status_code == 204
    assert api.get("/contacts/999").status_code == 204

    def found(**params):
        r = api.get("/contacts", params=params)
        return [] if r.status_code == 204 else [c["id"] for c in r.json()["_embedded"]["contacts"]]

    assert found(query="79160000005") == [ids[5]]  # phone digits, whatever the punctuation
    assert found(query="клиент 2") == [ids[2]]
    assert found(**{"filter[id][]": [ids[1], ids[4]]}) == [ids[1], ids[4]]
    assert found(**{"filter[tags][]": "run-42"}) == found(**{"filter[tags]": "run-42"}) == [ids[3]]
    assert found(query="run-42") == []  # the search looks at names and field values only
    sb.api.tag_filter = False  # as the real API may behave: the filter is ignored
    assert found(**{"filter[tags][]": "run-42"}) == ids


def test_complex_creates_lead_contact_company_linked(sb, api):
    lead = {"name": "Сделка с контактом", "_embedded": {
        "contacts": [{"first_name": "Анна", "custom_fields_values": [phone("+79161112233")]}],
        "companies": [{"name": "ООО Вектор"}], "tags": [{"name": "run-1"}]}}  # fmt: skip
    r = api.post("/leads/complex", json=[lead, {"name": "Без контакта", "request_id": "row-9"}])
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, list)
    first, second = body
    assert first["request_id"] == ["0"] and first["merged"] is False
    assert (second["request_id"], second["contact_id"], second["company_id"]) == (["row-9"], None, None)
    lid, cid, coid = first["id"], first["contact_id"], first["company_id"]
    got = api.get(f"/leads/{lid}", params={"with": "contacts"}).json()
    assert [(c["id"], c["is_main"]) for c in got["_embedded"]["contacts"]] == [(cid, True)]
    assert [c["id"] for c in got["_embedded"]["companies"]] == [coid]
    assert got["_embedded"]["tags"][0]["name"] == "run-1"
    assert sb.store.linked("contacts", cid, "companies") == [coid]
    assert sb.store.contacts[cid]["name"] == "Анна"


def test_complex_limits(api):
    assert api.post("/leads/complex", json=[{"name": str(i)} for i in range(51)]).status_code == 422
    two = {"_embedded": {"contacts": [{"name": "a"}, {"name": "b"}]}}
    errors = api.post("/leads/complex", json=[two]).json()["validation-errors"][0]["errors"]
    assert [e["path"] for e in errors] == ["_embedded.contacts"]
    many = {"custom_fields_values": [{"field_id": PROBABILITY, "values": [{"value": 1}]}] * 41}
    assert api.post("/leads/complex", json=[many]).status_code == 400


BAD_WRITES = [
    ("leads", {"custom_fields_values": [{"field_id": 1234, "values": [{"value": "x"}]}]},
     "custom_fields_values.0.field_id", "NotSupportedChoice"),
    ("leads", {"custom_fields_values": [{"field_id": SOURCE, "values": [{"value": "Сайт "}]}]},
     "custom_fields_values.0.values.0.value", "NotSupportedChoice"),
    ("leads", {"custom_fields_values": [{"field_id": SOURCE, "values": [{"enum_id": 1}]}]},
     "custom_fields_values.0.values.0.enum_id", "NotSupportedChoice"),
    ("contacts", {"custom_fields_values": [phone("+79160000000", "CELL")]},
     "custom_fields_values.0.values.0.enum_code", "NotSupportedChoice"),
    ("contacts", {"custom_fields_values": [{"field_code": "SKYPE", "values": [{"value": "x"}]}]},
     "custom_fields_values.0.field_code", "NotSupportedChoice"),
    ("leads", {"pipeline_id": WHOLESALE, "status_id": 61000011}, "status_id", "NotSupportedChoice"),
    ("leads", {"status_id": 61000021}, "status_id", "NotSupportedChoice"),
    ("leads", {"pipeline_id": 1}, "pipeline_id", "NotSupportedChoice"),
    ("leads", {"responsible_user_id": ELENA_INACTIVE}, "responsible_user_id", "NotSupportedChoice"),
    ("companies", {"responsible_user_id": 42}, "responsible_user_id", "NotSupportedChoice"),
    ("leads", {"price": "1500"}, "price", "InvalidType"),
    ("contacts", {"name": 5}, "name", "InvalidType"),
    ("leads", {"_embedded": {"contacts": [{"id": 1}]}}, "_embedded.contacts.0.id", "NotSupportedChoice"),
]  # fmt: skip


@pytest.mark.parametrize(("entity", "bad", "path", "code"), BAD_WRITES, ids=[b[2] for b in BAD_WRITES])
def test_validation_errors_reject_the_whole_request(sb, api, entity, bad, path, code):
    r = api.post(f"/{entity}", json=[{"name": "good"}, {"name": "bad", **bad, "request_id": "row-7"}])
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["title"], body["status"], body["detail"]) == ("Bad Request", 400, "Request validation failed")
    [group] = body["validation-errors"]
    assert group["request_id"] == "row-7"
    assert [(e["path"], e["code"]) for e in group["errors"]] == [(path, code)]
    assert not sb.store.records(entity) and api.get(f"/{entity}").status_code == 204  # nothing saved


def test_complex_errors_point_inside_the_embedded_contact(sb, api):
    lead = {"name": "x", "request_id": "row-3", "_embedded": {
        "contacts": [{"custom_fields_values": [{"field_id": 999, "values": [{"value": "x"}]}]}]}}  # fmt: skip
    [group] = api.post("/leads/complex", json=[lead]).json()["validation-errors"]
    assert group["request_id"] == "row-3"
    assert group["errors"][0]["path"] == "_embedded.contacts.0.custom_fields_values.0.field_id"
    assert not sb.store.leads and not sb.store.contacts


def test_malformed_writes_and_unknown_routes(api):
    empty = api.post("/leads", content=b"")
    assert empty.status_code == 400 and empty.json()["detail"] == "Request data can not be empty"
    assert api.post("/leads", json=[]).status_code == 400
    assert api.post("/contacts", json=[{"name": str(i)} for i in range(251)]).status_code == 422
    assert api.delete("/leads").json()["status"] == 405
    assert api.post("/leads/pipelines", json=[{}]).status_code == 405
    missing = api.get("/nothing/here")
    assert missing.status_code == 404 and missing.json()["detail"] == "Cannot GET /api/v4/nothing/here"


def test_notes_links_and_patch(sb, api):
    lead_id = api.post("/leads", json=[{"name": "L"}]).json()["_embedded"]["leads"][0]["id"]
    note = {"entity_id": lead_id, "note_type": "common", "params": {"text": "Перенесено"}, "request_id": "n1"}
    made = api.post("/leads/notes", json=[note]).json()["_embedded"]["notes"]
    assert [(n["entity_id"], n["request_id"]) for n in made] == [(lead_id, "n1")]
    assert api.get(f"/leads/{lead_id}/notes").json()["_embedded"]["notes"][0]["params"]["text"] == "Перенесено"
    bad = api.post("/leads/notes", json=[{**note, "entity_id": 5}, {**note, "note_type": "fax"}]).json()
    assert [g["errors"][0]["path"] for g in bad["validation-errors"]] == ["entity_id", "note_type"]

    contact, a, b = (api.post(f"/{e}", json=[{"name": e}]).json()["_embedded"][e][0]["id"]
                     for e in ("contacts", "companies", "companies"))  # fmt: skip
    for company in (a, b):
        r = api.post(f"/contacts/{contact}/link", json=[{"to_entity_id": company, "to_entity_type": "companies"}])
        assert r.json()["_embedded"]["links"][0]["to_entity_id"] == company
    assert sb.store.linked("contacts", contact, "companies") == [b]  # one company per contact
    assert api.post("/leads/link", json=[{"entity_id": lead_id, "to_entity_id": contact,
                                          "to_entity_type": "contacts"}]).status_code == 200  # fmt: skip
    assert sb.store.linked("contacts", contact, "leads") == [lead_id]
    second_id = api.post("/contacts", json=[{"name": "second"}]).json()["_embedded"]["contacts"][0]["id"]
    api.post(f"/leads/{lead_id}/link", json=[{"to_entity_id": second_id, "to_entity_type": "contacts",
                                              "metadata": {"is_main": True}}])  # fmt: skip
    contacts = api.get(f"/leads/{lead_id}", params={"with": "contacts"}).json()["_embedded"]["contacts"]
    assert [(c["id"], c["is_main"]) for c in contacts] == [(contact, False), (second_id, True)]  # one main contact
    api.post(f"/leads/{lead_id}/unlink", json=[{"to_entity_id": second_id, "to_entity_type": "contacts"}])
    assert (
        api.post(f"/leads/{lead_id}/unlink", json=[{"to_entity_id": contact, "to_entity_type": "contacts"}]).status_code
        == 204
    )
    assert sb.store.linked("leads", lead_id, "contacts") == []

    api.patch(f"/leads/{lead_id}", json={"tags_to_add": [{"name": "a"}], "price": 10})
    api.patch("/leads", json=[{"id": lead_id, "tags_to_add": [{"name": "b"}]}])
    assert [t["name"] for t in sb.store.leads[lead_id]["_embedded"]["tags"]] == ["a", "b"]
    api.patch(f"/leads/{lead_id}", json={"_embedded": {"tags": [{"name": "c"}]}})
    assert [t["name"] for t in sb.store.leads[lead_id]["_embedded"]["tags"]] == ["c"]
    assert sb.store.leads[lead_id]["price"] == 10


# faults -----------------------------------------------------------------------------------------------------


def _outcomes(sb: Sandbox, n: int) -> list[str]:
    out = []
    with httpx.Client(base_url=sb.url, headers=bearer(sb.token), timeout=5) as client:
        for _ in range(n):
            try:
                r = client.get("/api/v4/account")
            except httpx.TransportError:
                out.append("dropped")
                continue
            out.append(str(r.status_code) + ("-html" if r.headers["content-type"].startswith("text/html") else ""))
    return out


def test_faults_come_at_the_asked_rate_and_repeat_with_the_seed():
    with Sandbox(ACCOUNT, rate_limit=0, fail_429=0.2, fail_5xx=0.1, drop=0.1, seed=7) as sb:
        outcomes = _outcomes(sb, 400)
        faults = [x.fault for x in sb.requests]
    count = {kind: sum(o.startswith(kind) for o in outcomes) for kind in ("200", "429", "5", "dropped")}
    assert 50 <= count["429"] <= 110 and 20 <= count["5"] <= 60 and 20 <= count["dropped"] <= 60
    assert count["200"] == 400 - count["429"] - count["5"] - count["dropped"]
    assert "429-html" in outcomes and "429" in outcomes  # the gateway's HTML 429 as well as the API's JSON one
    assert {"500", "502-html", "503-html", "504-html"} <= set(outcomes)
    with Sandbox(ACCOUNT, rate_limit=0, fail_429=0.2, fail_5xx=0.1, drop=0.1, seed=7) as again:
        _outcomes(again, 100)
        assert [x.fault for x in again.requests] == faults[:100]


def test_dropped_writes_are_saved_half_of_the_time(sb):
    sb.set_faults(drop=1.0)
    with httpx.Client(base_url=sb.url, headers=bearer(sb.token), timeout=5) as client:
        for i in range(4):
            with pytest.raises(httpx.TransportError):
                client.post("/api/v4/contacts", json=[{"name": f"c{i}"}])
        sb.set_faults(drop=0)
        saved = [c["name"] for c in client.get("/api/v4/contacts").json()["_embedded"]["contacts"]]
    assert saved == ["c0", "c2"]  # response lost after the write vs. connection lost before it
    assert [(x.fault, x.status) for x in sb.requests[:4]] == [("drop-after", None), ("drop-before", None)] * 2


def test_latency_and_faults_skip_rate_refused_requests():
    with Sandbox(ACCOUNT, rate_limit=1, latency_ms=150, fail_5xx=1.0) as sb, httpx.Client(base_url=sb.url) as client:
        start = time.monotonic()
        assert client.get("/api/v4/account", headers=bearer(sb.token)).status_code >= 500
        assert time.monotonic() - start >= 0.15
        refused = client.get("/api/v4/account", headers=bearer(sb.token))
        assert refused.status_code == 429 and refused.json()["retry_after"] == 1
    with pytest.raises(ValueError):
        sb.set_faults(fail_429=0.6, fail_5xx=0.6)


# command line -----------------------------------------------------------------------------------------------


def test_sandbox_command_prints_url_and_token_and_stops_on_sigterm():
    code = "from migrate.cli.sandbox import sandbox; sandbox()"
    args = [sys.executable, "-c", code, "--port", "0", "--schema", str(ROOT / "samples" / "account.json")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        url = lines.get(timeout=15).split(" at ")[1].split()[0]
        token = lines.get(timeout=5).removeprefix("Token:").strip()
        assert httpx.get(f"{url}/api/v4/account", headers=bearer(token), timeout=5).json()["subdomain"] == "demo"
        time.sleep(0.3)  # one tick of the request echo
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
    finally:
        proc.kill()
    reader.join(timeout=5)
    out = "".join(lines.queue)
    assert "GET /api/v4/account -> 200" in out and "Sandbox stopped." in out
