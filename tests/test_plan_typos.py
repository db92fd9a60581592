"""`plan` you can trust: no `nan` in its tables, a value one typo from the account's stage or user is a typo
to fix (with the suggestion), never something to create or invite, and a deactivated user is offered an
active one."""

import re
from pathlib import Path

import migrate

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS, ACCOUNT = ROOT / "samples" / "customers.xlsx", ROOT / "samples" / "account.json"


def test_a_stage_one_typo_from_an_existing_one_is_a_typo_not_a_stage_to_create():
    stages = migrate.plan(CUSTOMERS, "customers", ACCOUNT).stages.set_index("source_stage")
    assert stages.loc["Согласование договра", "status"] == "typo"
    assert stages.loc["Согласование договра", "suggestion"] == "Согласование договора"
    assert stages["create"].dropna().tolist() == ["В работе", "Счёт выставлен"]  # real new stages only


def test_an_owner_one_typo_from_a_user_is_a_typo_to_map():
    users = migrate.plan(CUSTOMERS, "customers", ACCOUNT).users.set_index("owner")
    assert users.loc["Смирнва Анна", "action"].startswith("typo:")
    assert "'Анна Смирнова'" in users.loc["Смирнва Анна", "action"]
    assert "invite" in users.loc["Сергей Козлов", "action"]  # not a typo of anyone: a person to add


def test_a_deactivated_user_is_never_suggested_to_herself():
    users = migrate.plan(CUSTOMERS, "customers", ACCOUNT).users.set_index("owner")
    assert users.loc["Елена Морозова", "closest_user"] != "Елена Морозова"


def test_the_plan_never_prints_nan():
    text = migrate.plan(CUSTOMERS, "customers", ACCOUNT).to_markdown()
    assert "| ok |" in text and not re.search(r"\bnan\b", text, re.IGNORECASE)
