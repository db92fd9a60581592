"""Repeated clients in one file: which rows name the same contact or company (the upload creates each once,
the export warns). Files here are written the way people write clients again: other legal forms, word
orders, phone formats, an INN on some rows only, namesakes, a switchboard shared by several people."""

from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate import api
from migrate.core.schema import load_schema
from migrate.quality.clients import client_keys, repeats

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = load_schema(ROOT / "samples" / "account.json")
PROFILE = ("version: 1\nentity: leads\ncolumns:\n  Сделка: Название сделки\n  Контакт: Полное имя (контакт)\n"
           "  Телефон: {field: Рабочий телефон (контакт), transform: phone}\n"
           "  Почта: {field: Рабочий email (контакт), transform: email}\n"
           "  Компания: Название (компания)\n  ИНН: ИНН (компания)\n")  # fmt: skip


def mapped_of(tmp_path, rows):
    src = tmp_path / "deals.csv"
    pd.DataFrame(rows, columns=["Сделка", "Контакт", "Телефон", "Почта", "Компания", "ИНН"]).to_csv(
        src, sep=";", index=False)  # fmt: skip
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return api.apply_profile(src, profile, ACCOUNT)


def test_a_company_is_one_client_by_inn_or_by_its_folded_name(tmp_path):
    keys = client_keys(mapped_of(tmp_path, [
        ["a", "", "", "", "ООО «Ромашка»", "7707083893"],
        ["b", "", "", "", "Ромашка", ""],                     # the name alone: the one INN this name has
        ["c", "", "", "", "ромашка ооо", "7707083893"],
        ["d", "", "", "", "Общество «Ромашка-Юг»", "7707083893"],  # another spelling, same INN
        ["e", "", "", "", "АО Лютик", ""],
        ["f", "", "", "", "Лютик", ""],
    ]))["companies"]  # fmt: skip
    assert keys[2] == keys[3] == keys[4] == keys[5] == "inn:7707083893"
    assert keys[6] == keys[7] == "name:лютик"


def test_one_name_with_two_inns_is_two_firms_and_the_bare_name_joins_neither(tmp_path):
    keys = client_keys(mapped_of(tmp_path, [
        ["a", "", "", "", "ООО «Сигма»", "7707083893"],
        ["b", "", "", "", "ООО «Сигма»", "5024002119"],
        ["c", "", "", "", "Сигма", ""],
    ]))["companies"]  # fmt: skip
    assert len({keys[2], keys[3], keys[4]}) == 3


def test_a_contact_is_its_name_and_something_tying_the_rows_together(tmp_path):
    keys = client_keys(mapped_of(tmp_path, [
        ["a", "Иван Петров", "+7 916 100-00-01", "", "Альфа", ""],
        ["b", "Петров Иван", "8 (916) 100-00-01", "", "", ""],       # word order, phone format: same man
        ["c", "Иван Петров", "", "", "ООО Альфа", ""],                # same name, same company
        ["d", "Иван Петров", "+7 916 999-00-00", "", "Бета", ""],     # a namesake elsewhere
        ["e", "Анна Смирнова", "+7 916 100-00-01", "", "Альфа", ""],  # the switchboard: another person
        ["f", "", "+7 916 100-00-01", "", "", ""],                      # no name: never joined
        ["g", "Иван Петров", "", "", "", ""],                          # a name alone ties to nothing
    ]))["contacts"]  # fmt: skip
    assert keys[2] == keys[3] == keys[4]
    assert len({keys[2], keys[5], keys[6], keys[8]}) == 4
    assert 7 not in keys


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Иван Петров", "Петров Иван", "Анна Ли", "Ли Анна", "Олег", ""]),
            st.sampled_from(["+79161000001", "+79161000002", ""]),
            st.sampled_from(["a@x.ru", "b@x.ru", ""]),
            st.sampled_from(["ООО Альфа", "Альфа", "Бета", ""]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rows_of_one_contact_key_always_share_a_name_and_a_tie(tmp_path_factory, rows):
    """The invariant that makes linking safe: two rows get one contact only with the same folded name and
    a chain of shared phones, e-mails or companies between them."""
    from migrate.quality.fuzzy import company_key, name_key

    mapped = mapped_of(tmp_path_factory.mktemp("p"), [[f"d{i}", n, p, e, c, ""] for i, (n, p, e, c) in
                                                      enumerate(rows)])  # fmt: skip
    keys = client_keys(mapped)["contacts"]
    groups: dict[str, list[int]] = {}
    for row, key in keys.items():
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        names = {name_key(rows[r - 2][0]) for r in members}
        assert len(names) == 1 and "" not in names
        if len(members) > 1:
            ties = [{("p", rows[r - 2][1]), ("e", rows[r - 2][2]), ("c", company_key(rows[r - 2][3]))}
                    - {("p", ""), ("e", ""), ("c", "")} for r in members]  # fmt: skip
            assert all(t & set().union(*(u for u in ties if u is not t)) for t in ties)


def test_export_tells_how_many_rows_repeat_a_client(tmp_path):
    report = api.export(ROOT / "samples" / "customers.xlsx", "customers", tmp_path / "out.xlsx",
                        ROOT / "samples" / "account.json")  # fmt: skip
    mapped = api.apply_profile(ROOT / "samples" / "customers.xlsx", "customers", ROOT / "samples" / "account.json")
    rejected = set(report.rejected_rows)
    found = {r.entity: r for r in repeats(client_keys(mapped, [r for r in mapped.frame.index if r not in rejected]))}
    assert found["companies"].rows > 100 and found["contacts"].rows > 100
    (note,) = report.notes
    assert f"{found['companies'].rows} rows repeat a company of an earlier row" in note
    assert "amomigrate upload" in note and note in report.summary()
