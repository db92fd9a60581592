"""Each bundled sample through its built-in profile, against the account it was written for and against the
same kind of account named in Portuguese (tests/foreign_account.py, tests/test_roles.py): rows exported.

    python benchmarks/profiles_any_account.py

Figures, not pass/fail; the test (tests/test_roles.py) asserts the rows are the same.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from foreign_account import pull  # noqa: E402
from test_roles import PT_PIPELINES, PT_STAGES  # noqa: E402

from migrate import api  # noqa: E402


def foreign_schemas(tmp: Path) -> dict[str | None, Path]:
    kommo = json.loads(pull(tmp).read_text(encoding="utf-8"))
    kommo["users"], kommo["account"]["country"] = [], "RU"
    (tmp / "kommo.json").write_text(json.dumps(kommo, ensure_ascii=False), encoding="utf-8")
    demo = json.loads((ROOT / "samples" / "account.json").read_text(encoding="utf-8"))
    for p in demo["pipelines"]:
        p["name"] = PT_PIPELINES[p["name"]]
        for s in p["statuses"]:
            s["name"] = PT_STAGES[s["name"]]
    (tmp / "demo-pt.json").write_text(json.dumps(demo, ensure_ascii=False), encoding="utf-8")
    return {None: tmp / "kommo.json", "samples/account.json": tmp / "demo-pt.json"}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        foreign = foreign_schemas(Path(tmp))
        print(f"{'sample':<42} {'profile':<28} {'read':>5} {'home':>5} {'foreign':>8}")
        for case in sorted((ROOT / "tests" / "golden").glob("*.json")):
            spec = json.loads(case.read_text(encoding="utf-8"))
            schema = spec.get("schema")
            home = api.validate(ROOT / spec["source"], spec["profile"], ROOT / schema if schema else None)
            away = api.validate(ROOT / spec["source"], spec["profile"], foreign[schema])
            print(f"{spec['source']:<42} {spec['profile']:<28} {home.read:>5} {home.exported:>5} {away.exported:>8}")


if __name__ == "__main__":
    main()
