"""Build notebooks/walkthrough.ipynb from the cells below (outputs are never committed).

Edit the cells here and run `python notebooks/make_walkthrough.py`; the notebook is generated so that its
source stays reviewable as plain Python and it can never carry stale outputs.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    (
        "md",
        """# From a Bitrix24 export to an AmoCRM import file

This walkthrough takes a deals export from Bitrix24, maps it to the exact import headers of an AmoCRM
account, looks at every problem, fixes the mapping in Python, and writes the workbook AmoCRM's importer
accepts. Each step is one function of `migrate`, the library behind the `amomigrate` command.""",
    ),
    (
        "code",
        """import tempfile
from pathlib import Path

import migrate

SAMPLES = Path("..") / "samples"
OUT = Path(tempfile.mkdtemp(prefix="amomigrate-"))""",
    ),
    (
        "md",
        """## 1. Read the source
`read_source` recognises the file by its content (CSV, Excel, Bitrix24's HTML "xls", JSON dumps). Every
cell is text exactly as in the file, and every row keeps its row number in the file, so each problem
reported later points at a cell you can find.""",
    ),
    (
        "code",
        """table = migrate.read_source(SAMPLES / "bitrix24" / "deals.csv")
table""",
    ),
    (
        "md",
        """## 2. Inspect it
What the file is, how full each column is, and which built-in profile fits it best.""",
    ),
    (
        "code",
        """info = migrate.inspect(table)
print(info.kind, info.encoding, repr(info.delimiter), "| best profile:", info.profile, info.profile_score)
info.to_frame().head(12)""",
    ),
    (
        "md",
        """## 3. The account schema
The target account: its users, pipelines and custom fields. Here the demo account in `samples/`; for a
real one, `amomigrate schema pull` writes the same file from the account itself.""",
    ),
    (
        "code",
        """schema = migrate.load_schema(SAMPLES / "account.json")
print(schema)
[u.name for u in schema.users]""",
    ),
    (
        "md",
        """## 4. Start from a profile
A built-in profile maps every column Bitrix24 writes; `draft_profile` would draft one for any file.""",
    ),
    (
        "code",
        """profile = migrate.load_profile("bitrix24-deals")
draft = migrate.draft_profile(table, schema=schema)
print(draft.text[:600])""",
    ),
    (
        "md",
        """## 5. Validate
Nothing is written yet. The report says which rows would be rejected and why.""",
    ),
    (
        "code",
        """report = migrate.validate(table, profile, schema)
report""",
    ),
    ("code", """report.to_frame(severity="error")"""),
    (
        "md",
        """## 6. The mapping editor
The same profile in the interactive editor: one line per source column with its target, transform and
problems, and under the stage, pipeline, owner and list columns every distinct value with what it
resolves to. Each change re-validates the table in memory and updates the counts. The editor works on its
own copy of the profile (`editor.profile`); below we drive one of its dropdowns from code, exactly as a
click would, then carry on with the profile in Python.""",
    ),
    (
        "code",
        """editor = migrate.MappingEditor(table, profile, schema)
editor""",
    ),
    (
        "code",
        """print("before:", editor.report.reconciliation())
editor.values["Ответственный"]["Сергей Козлов"].value = "Игорь Петров"   # the owner dropdown of that value
print("after: ", editor.report.reconciliation(), f"({editor.last_update_seconds:.2f} s)")
editor.profile.owners""",
    ),
    (
        "md",
        """## 7. Fix the mapping in Python
Three kinds of problems show up: owners missing in some rows, stages of the second pipeline that do not
exist there, and deals at "Согласование договора" without the contract number this account requires at
that stage. We give empty owners a default user, map the source column "Источник" to the account's list
field of the same name with a value map, and send the deals of the "Оптовые продажи" direction to a stage
that exists in that pipeline.""",
    ),
    (
        "code",
        """profile.owner_default = "anna.smirnova@example.ru"
profile.owners["Сергей Козлов"] = "Игорь Петров"   # Сергей left; Игорь took his clients
profile.map("Источник", "Источник", values={"Веб-сайт": "Сайт", "CRM-форма": "Сайт", "Звонок": "Звонок",
            "По рекомендации": "Рекомендация", "Реклама": "Реклама", "Электронная почта": "Сайт",
            "Существующий клиент": "Рекомендация"})
stages = dict(profile.columns["Стадия сделки"].values)
profile.map("Стадия сделки", "Статус сделки", values=stages)
report = migrate.validate(table, profile, schema)
report.to_frame(severity="error")[["row", "column", "code", "value", "suggestion"]]""",
    ),
    (
        "md",
        """What is left are deals at a stage that requires a contract number the source does not have. That is
a data decision, not a mapping one: here we move those deals one stage back, where no number is needed.
The built-in profile names stages by role (`@first`, `@first+N`, `@won`, `@lost`), so it fits any account:
`@first+3` is "Согласование договора" in this account's main pipeline, `@first+2` the stage before it.""",
    ),
    (
        "code",
        """stages = {k: ("@first+2" if v == "@first+3" else v) for k, v in stages.items()}  # roles: see the profile
profile.map("Стадия сделки", "Статус сделки", values=stages)
report = migrate.validate(table, profile, schema)
print(report.reconciliation())
report.to_frame(code="unknown_status")""",
    ),
    (
        "md",
        """Nothing is left: the deals of the wholesale direction that Bitrix24 calls "Новая" went to that
pipeline's own first stage ("Новая заявка"), because the profile says `@first`, not "Первичный контакт",
which only the main pipeline has.""",
    ),
    (
        "md",
        """## 8. Look at the report the way a manager would
The HTML view is what `--report report.html` writes; in Jupyter the report shows its summary itself.""",
    ),
    (
        "code",
        """from IPython.display import HTML

HTML(migrate.sinks.html.issues_chart(report))""",
    ),
    (
        "md",
        """## 9. Export
Rows without errors go to the import file, in source order; rejected rows go to the rejects workbook with
their reasons, ready to be fixed and run through the same profile again.""",
    ),
    (
        "code",
        """result = migrate.export(table, profile, OUT / "deals.import.xlsx", schema, report=OUT / "report.xlsx")
print(result.reconciliation())
assert result.exported + result.rejected == result.read
{kind: [p.name for p in paths] for kind, paths in result.outputs.items()}""",
    ),
    (
        "md",
        """## 10. Keep the tuned profile
It saves as plain YAML and loads back equal, so the next export of this customer runs from the command
line: `amomigrate export deals.csv -p deals-tuned.yaml --schema account.json -o import.xlsx`.""",
    ),
    (
        "code",
        """saved = profile.save(OUT / "deals-tuned.yaml")
reloaded = migrate.load_profile(saved)
assert reloaded.columns == profile.columns and reloaded.owners == profile.owners
print(saved.read_text(encoding="utf-8")[:400])""",
    ),
]


def build() -> nbformat.NotebookNode:
    cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


if __name__ == "__main__":
    path = Path(__file__).with_name("walkthrough.ipynb")
    nbformat.write(build(), path)
    print(f"wrote {path}")
