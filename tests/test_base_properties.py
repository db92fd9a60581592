"""Property: across generated bases, every link is resolved, dangling or of unknown type exactly once; every
valid keyed row is exactly one record; a resolved link always points at a record of the base."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.api_base import read_base

keys = st.integers(min_value=1, max_value=12).map(str)


@st.composite
def bases(draw):
    companies = draw(st.lists(keys, min_size=1, max_size=8))  # repeated keys: duplicate_key errors
    contacts = draw(st.lists(st.tuples(keys, st.one_of(st.just("0"), keys)), min_size=1, max_size=8))
    deals = draw(st.lists(st.tuples(keys, keys, st.lists(keys, max_size=3)), min_size=1, max_size=10))
    return companies, contacts, deals


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bases())
def test_links_are_counted_once_and_point_at_records(tmp_path_factory, base):
    companies, contacts, deals = base
    folder = tmp_path_factory.mktemp("base")

    def dump(name, records):
        (folder / name).write_text(json.dumps({"result": records, "total": len(records)}), encoding="utf-8")

    dump("companies.json", [{"ID": k, "TITLE": f"Компания {k}", "ASSIGNED_BY_ID": "1"} for k in companies])
    dump("contacts.json", [{"ID": k, "NAME": f"Имя {k}", "COMPANY_ID": c, "ASSIGNED_BY_ID": "1"} for k, c in contacts])
    dump("deals.json", [{"ID": k, "TITLE": f"Сделка {k}", "COMPANY_ID": c, "CONTACT_IDS": ids, "ASSIGNED_BY_ID": "1",
                         "STAGE_ID": "NEW", "CATEGORY_ID": "0"} for k, c, ids in deals])  # fmt: skip
    sources = {"companies": {"file": "companies.json", "profile": "bitrix24-companies-rest"},
               "contacts": {"file": "contacts.json", "profile": "bitrix24-contacts-rest"},
               "leads": {"file": "deals.json", "profile": "bitrix24-deals-rest"}}  # fmt: skip
    manifest = folder / "m.yaml"
    manifest.write_text(yaml.safe_dump({"version": 1, "sources": sources}), encoding="utf-8")
    base_, report = read_base(manifest)
    refs = sum(1 for _, c in contacts if c != "0") + sum((c != "0") + len(set(ids)) for _, c, ids in deals)
    counts = base_.counts
    issues = report.to_frame()
    for entity, given_keys in (("companies", companies), ("contacts", [k for k, _ in contacts]),
                               ("leads", [k for k, _, _ in deals])):  # fmt: skip
        assert sorted(base_.records[entity]) == sorted(set(given_keys))  # one record per key, first row wins
        duplicates = issues[(issues.entity == entity) & (issues.code == "duplicate_key")]
        assert len(duplicates) == len(given_keys) - len(set(given_keys))
    assert counts["links_resolved"] + counts["links_dangling"] <= refs  # rows left out (repeated keys) do not link
    if len({k for k, _ in contacts}) == len(contacts) and len({k for k, _, _ in deals}) == len(deals):
        assert counts["links_resolved"] + counts["links_dangling"] == refs  # each named record counted once
    for entity in ("contacts", "leads"):
        for record in base_.records[entity].values():
            for target, linked in record.links.items():
                assert all(k in base_.records[target] for k in linked)
    assert counts["links_dangling"] == int((issues.code == "dangling_link").sum())
