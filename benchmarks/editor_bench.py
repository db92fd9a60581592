"""The mapping editor's time from a change to updated counts, next to a plain re-validate of the same table.

    python benchmarks/editor_bench.py [--rows 10000 100000] [--repeat 3]

For each size: benchmarks/generate.py's deals as a `;` CSV in a temporary folder, read once (as the editor
does), with 2% of the stages replaced by "В работе" (not a stage of the account) so a value has something
to map. Then, through the editor's widgets (as a click would): a target change (Комментарий → drop and
back), a transform change (Телефон → raw and back) and a stage value mapping ("В работе" → "Переговоры"
and back). Each figure is the median of `editor.last_update_seconds` (control set → profile edited →
re-validated in memory → every count and label redrawn). `revalidate` is `migrate.validate(table,
profile, schema)` on the same in-memory table, the path the editor reuses. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

import migrate  # noqa: E402
from migrate.editor import AS_IS, DROP  # noqa: E402


def _table(rows: int, folder: Path) -> migrate.SourceTable:
    path = folder / f"deals-{rows}.csv"
    generate.generate_csv(rows, path)
    table = migrate.read_source(path)
    stages = table.frame["Этап"]
    table.frame["Этап"] = stages.where(stages.index % 50 != 0, "В работе")
    return table


def _median(editor: migrate.MappingEditor, changes: list[tuple[object, object]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        for control, value in changes:
            control.value = value
            times.append(editor.last_update_seconds)
    return statistics.median(times)


def measure(rows: int, repeat: int) -> dict[str, float | int]:
    schema = migrate.load_schema(ROOT / "samples" / "account.json")
    profile = migrate.load_profile(ROOT / "benchmarks" / "deals-profile.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        table = _table(rows, Path(tmp))
        start = time.perf_counter()
        editor = migrate.MappingEditor(table, profile, schema)
        opened = time.perf_counter() - start
        comment, phone = editor.columns["Комментарий"], editor.columns["Телефон"]
        stage = editor.values["Этап"]["В работе"]
        figures = {
            "rows": rows,
            "open_s": round(opened, 3),
            "target_change_s": _median(editor, [(comment.target, DROP), (comment.target, "Примечание к сделке")],
                                       repeat),  # fmt: skip
            "transform_change_s": _median(editor, [(phone.transform, "raw"), (phone.transform, "phone")], repeat),
            "value_map_s": _median(editor, [(stage, "Переговоры"), (stage, AS_IS)], repeat),
        }
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            migrate.validate(table, editor.profile, schema)
            runs.append(time.perf_counter() - start)
        figures["revalidate_s"] = round(statistics.median(runs), 3)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for rows in args.rows:
        print(json.dumps(measure(rows, args.repeat), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
