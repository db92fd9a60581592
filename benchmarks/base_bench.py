"""Whole-base benchmark: validate time and peak RSS of a 20,000-deal / 10,000-contact / 5,000-company
Bitrix24 base (REST dumps, with comments and tasks), and upload throughput against the sandbox as a share
of AmoCRM's 7 requests-a-second bound.

    python benchmarks/base_bench.py                       # 20000 deals (validate), 600 deals (upload)
    python benchmarks/base_bench.py --deals 5000 --upload-deals 300

Figures, not pass/fail. The base is generated (seeded) into benchmarks/data/base-N/ (git-ignored); validate
runs as a child process (`python -m migrate.cli validate MANIFEST --schema samples/account.json`), so its
peak RSS is its own; the upload runs in this process against an in-process sandbox at the real pacing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = ROOT / "samples" / "account.json"
OWNERS = ["1", "7", "12"]
MANIFEST = """version: 1
name: benchmark base
sources:
  companies: {file: companies.json, profile: bitrix24-companies-rest}
  contacts:  {file: contacts.json,  profile: bitrix24-contacts-rest}
  leads:     {file: deals.json,     profile: bitrix24-deals-rest}
  comments:  {file: comments.json,  profile: bitrix24-comments-rest}
  tasks:     {file: tasks.json,     profile: bitrix24-tasks-rest}
source_id_field: "ID в Bitrix24"
owners:
  map: {"1": Анна Смирнова, "7": Игорь Петров, "12": Ольга Кузнецова}
"""


def generate(folder: Path, deals: int, seed: int = 13) -> Path:
    """deals, deals/2 contacts, deals/4 companies; a comment per deal, an open task per 4th; 1% dangling links."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    companies, contacts = max(1, deals // 4), max(1, deals // 2)

    def dump(name: str, records: list[dict]) -> None:
        (folder / name).write_text(json.dumps({"result": records, "total": len(records)}, ensure_ascii=False),
                                   encoding="utf-8")  # fmt: skip

    dump("companies.json", [{"ID": str(i), "TITLE": f"ООО «Компания {i}»", "ASSIGNED_BY_ID": rng.choice(OWNERS),
                             "DATE_CREATE": "2024-01-01T10:00:00+03:00", "ADDRESS": None, "COMMENTS": None,
                             "PHONE": [{"VALUE_TYPE": "WORK", "VALUE": f"+7495{i:07d}"}], "EMAIL": []}
                            for i in range(1, companies + 1)])  # fmt: skip
    dump("contacts.json", [{"ID": str(i), "NAME": f"Имя{i}", "LAST_NAME": f"Фамилия{i}", "POST": "Менеджер",
                            "COMPANY_ID": str(rng.randint(1, companies)), "ASSIGNED_BY_ID": rng.choice(OWNERS),
                            "DATE_CREATE": "2024-01-01T10:00:00+03:00", "COMMENTS": None,
                            "PHONE": [{"VALUE_TYPE": "MOBILE", "VALUE": f"+7916{i:07d}"}],
                            "EMAIL": [{"VALUE_TYPE": "WORK", "VALUE": f"c{i}@example.ru"}]}
                           for i in range(1, contacts + 1)])  # fmt: skip
    dump("deals.json", [{"ID": str(i), "TITLE": f"Сделка {i}", "STAGE_ID": rng.choice(["NEW", "PREPARATION", "WON"]),
                         "CATEGORY_ID": "0", "OPPORTUNITY": f"{rng.randrange(1, 900) * 1000}.00",
                         "ASSIGNED_BY_ID": rng.choice(OWNERS), "DATE_CREATE": "2024-03-01T10:00:00+03:00",
                         "COMPANY_ID": str(rng.randint(1, companies + companies // 100)),
                         "CONTACT_IDS": [str(rng.randint(1, contacts)) for _ in range(rng.randint(1, 2))],
                         "COMMENTS": None} for i in range(1, deals + 1)])  # fmt: skip
    dump("comments.json", [{"ID": f"c{i}", "ENTITY_TYPE": "deal", "ENTITY_ID": str(i), "AUTHOR_ID": "1",
                            "COMMENT": f"Комментарий к сделке {i}", "CREATED": "2024-03-02T10:00:00+03:00"}
                           for i in range(1, deals + 1)])  # fmt: skip
    dump("tasks.json", [{"ID": f"t{i}", "TITLE": f"Позвонить по сделке {i}", "DESCRIPTION": "", "CREATED_DATE": None,
                         "RESPONSIBLE_ID": rng.choice(OWNERS), "STATUS": "2", "UF_CRM_TASK": [f"D_{i}"],
                         "DEADLINE": "2026-12-20T10:00:00+03:00"} for i in range(1, deals + 1, 4)])  # fmt: skip
    (folder / "migration.yaml").write_text(MANIFEST, encoding="utf-8")
    return folder / "migration.yaml"


def bench_validate(manifest: Path) -> dict[str, float]:
    cmd = [sys.executable, "-m", "migrate.cli", "validate", str(manifest), "--schema", str(ACCOUNT), "-q",
           "--format", "json"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    counts = json.loads(out)["counts"]
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit": os.waitstatus_to_exitcode(status), **counts}  # fmt: skip


def bench_upload(deals: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from migrate.api_base import apply_plan_base, upload_base
    from migrate.core.schema import load_schema
    from migrate.sandbox.server import Sandbox

    with tempfile.TemporaryDirectory() as tmp, Sandbox(load_schema(ACCOUNT)) as sb:
        manifest = generate(Path(tmp) / "base", deals, seed=21)
        os.environ["AMOCRM_TOKEN"] = sb.token
        schema = apply_plan_base(manifest, ACCOUNT, base_url=sb.url)["schema"]
        started = time.monotonic()
        _, result = upload_base(manifest, schema, base_url=sb.url)
        wall = time.monotonic() - started
        requests = sum(1 for r in sb.requests if r.time >= 0)
    created = sum(result.created.values())
    rps = result.stats["requests"] / wall
    return {"deals": deals, "records_created": created, "requests": result.stats["requests"],
            "wall_s": round(wall, 1), "requests_per_s": round(rps, 2), "share_of_7": round(rps / 7, 3),
            "records_per_s": round(created / wall, 1), "sandbox_requests": requests}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=20000)
    parser.add_argument("--upload-deals", type=int, default=600)
    args = parser.parse_args()
    folder = ROOT / "benchmarks" / "data" / f"base-{args.deals}"
    manifest = folder / "migration.yaml" if (folder / "migration.yaml").exists() else generate(folder, args.deals)
    v = bench_validate(manifest)
    print(f"validate {args.deals} deals / {args.deals // 2} contacts / {args.deals // 4} companies: "
          f"{v['wall_s']} s, peak RSS {v['peak_rss_mb']} MB (exit {v['exit']})")  # fmt: skip
    u = bench_upload(args.upload_deals)
    print(f"upload {u['deals']} deals ({u['records_created']} records, notes and tasks): {u['requests']} requests in "
          f"{u['wall_s']} s = {u['requests_per_s']} req/s, {u['share_of_7']:.0%} of the 7 req/s bound, "
          f"{u['records_per_s']} records/s")  # fmt: skip
    print(json.dumps({"validate": v, "upload": u}, ensure_ascii=False))


if __name__ == "__main__":
    main()
