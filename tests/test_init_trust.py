"""`init` you can trust: a column of company names is never a contact's name, a deactivated user is flagged
(never "found; no entry needed"), and "to review" counts every decision the draft leaves commented."""

from pathlib import Path

from click.testing import CliRunner

from migrate import api
from migrate.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_a_column_of_legal_form_names_is_the_company_not_the_contact(tmp_path):
    src = tmp_path / "clients.csv"
    src.write_text("Клиент;Телефон;Сумма\nООО «Ромашка»;+79161234567;100\nИП Фомина Ю.Ю.;+79161234568;200\n"
                   "АО Лютик;+79161234569;300\nИван Петров;;5\n", encoding="utf-8")  # fmt: skip
    draft = api.draft_profile(src)
    assert draft.profile.columns["Клиент"].field == "Название (компания)"
    assert "Полное имя (контакт)" not in {s.field for s in draft.profile.mapped().values()}


def test_company_names_next_to_a_company_column_are_left_to_review(tmp_path):
    src = tmp_path / "clients.csv"
    src.write_text("Клиент;Компания;Сумма\nООО «Ромашка»;ООО «Ромашка»;100\nИП Фомина Ю.Ю.;ИП Фомина;200\n",
                   encoding="utf-8")  # fmt: skip
    draft = api.draft_profile(src)
    assert "Клиент" not in draft.profile.mapped()
    assert '# "Клиент": null  # its values are company names' in draft.text


def test_people_stay_people(tmp_path):
    src = tmp_path / "people.csv"
    src.write_text("Клиент;Телефон\nИван Петров;+79161234567\nАнна Ли;+79161234568\n", encoding="utf-8")
    assert api.draft_profile(src, entity="leads").profile.columns["Клиент"].field == "Полное имя (контакт)"


def test_a_deactivated_user_is_flagged_and_every_commented_decision_counted(tmp_path):
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(cli, ["init", str(ROOT / "samples" / "customers.xlsx"), "--schema",
                                      str(ROOT / "samples" / "account.json"), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "'Елена Морозова' is deactivated in AmoCRM" in text
    assert '"Елена Морозова": "Елена Морозова"  # found by name' not in text
    commented = [ln for ln in text.splitlines() if ln.lstrip().startswith('# "') and "no entry needed" not in ln]
    assert len(commented) >= 5  # two stage values and four owners, at least
    assert f"{len(commented)} to review (commented)" in result.output
