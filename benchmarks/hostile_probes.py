# ruff: noqa: E501  (probe table rows read best on one line each)
"""Hostile-input probes (issue 12): each runs one `amomigrate` command on a generated hostile file in a
subprocess capped by RLIMIT_AS and a wall timeout, and prints exit code, peak RSS, time and what happened.

    python benchmarks/hostile_probes.py [--mem-mb 2048] [--timeout 120] [--only NAME ...] [--json out.json]

Files are generated in a temporary folder (some probes inflate to hundreds of MB on purpose; the folder is
removed afterwards). A probe "passes" when it exits 2 with a message, no traceback, within the bounds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(os.environ.get("PROBE_ROOT") or Path(__file__).resolve().parents[1])  # PROBE_ROOT: code to probe
PROFILE = """version: 1
entity: leads
columns:
  Сделка: Название сделки
  Телефон: {field: Рабочий телефон (контакт), transform: phone}
  Email: {field: Рабочий email (контакт), transform: email}
"""
CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def workbook_xml(sheet: str = "Лист1") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def raw_xlsx(path: Path, sheet_xml: bytes | Callable[[io.RawIOBase], None], sheet: str = "Лист1") -> Path:
    """A minimal xlsx written by hand, so the sheet XML can say anything (a far dimension, a huge part)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", workbook_xml(sheet))
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        if isinstance(sheet_xml, bytes):
            z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                sheet_xml(fh)
    return path


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def far_cell_xlsx(path: Path) -> Path:
    body = (
        SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>' + SHEET_TAIL
    )
    return raw_xlsx(path, body)


def bomb_xlsx(path: Path, rows: int) -> Path:
    """Many identical rows: deflate shrinks them ~1000x, calamine inflates them into Python lists."""
    row = b'<row><c t="inlineStr"><is><t>aaaaaaaaaa</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'

    def write(fh: io.RawIOBase) -> None:
        fh.write(SHEET_HEAD + '<row><c t="inlineStr"><is><t>Сделка</t></is></c><c t="inlineStr"><is><t>X</t></is></c></row>'.encode())
        chunk = row * 10_000
        for _ in range(rows // 10_000):
            fh.write(chunk)
        fh.write(SHEET_TAIL)

    return raw_xlsx(path, write)


def big_csv_line(path: Path, mb: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Сделка;Телефон\n")
        chunk = "a;" * (1 << 19)
        for _ in range(mb):
            fh.write(chunk)
        fh.write("\n")
    return path


def big_csv_field(path: Path, mb: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('Сделка;Телефон\n"')
        chunk = "a" * (1 << 20)
        for _ in range(mb):
            fh.write(chunk)
        fh.write('";1\n')
    return path


def big_html(path: Path, mb: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<meta http-equiv="Content-type" content="text/html;charset=utf-8" />\n<table><tr><th>Название</th><th>Телефон</th></tr>')
        row = "<tr><td>Сделка</td><td>+79161234567</td></tr>"
        chunk = row * ((1 << 20) // len(row))
        for _ in range(mb):
            fh.write(chunk)
        fh.write("</table>")
    return path


def cells_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    return path


def alias_bomb(path: Path) -> Path:
    lines = ['a: &a ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx"]']
    prev = "a"
    for name in "bcdefgh":
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
        prev = name
    lines += ["version: 1", "entity: leads", f"columns: *{prev}"]  # a message quoting `columns` repeats it all
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deep_json(path: Path, depth: int) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def victim_xlsx(path: Path, rows: list[list[str]] | None = None) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet("Лист1")
    for r, row in enumerate([["Сделка", "Телефон"], *(rows or [["A", "+79161234567"]])]):
        ws.write_row(r, 0, row)
    book.close()
    return path


def damaged_journal(path: Path) -> Path:
    """A journal with one done batch, its last page's b-tree header flipped (a bad sector, a bad copy)."""
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE batches (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, rows TEXT NOT NULL, payload_hash TEXT "
        "NOT NULL, tag TEXT, state TEXT NOT NULL, started REAL NOT NULL, finished REAL);"
        "CREATE TABLE created (row INTEGER NOT NULL, entity TEXT NOT NULL, id INTEGER NOT NULL, how TEXT NOT NULL, "
        "batch INTEGER, PRIMARY KEY (row, entity));"
        "CREATE TABLE refused (row INTEGER NOT NULL, what TEXT NOT NULL, header TEXT, reason TEXT NOT NULL, "
        "batch INTEGER, PRIMARY KEY (row, what));"
    )
    db.executemany("INSERT INTO created VALUES (?,?,?,?,1)", [(i, "leads", 1000 + i, "created") for i in range(2, 300)])
    db.commit()
    db.close()
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 4096, len(data) - 4096 + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


Probe = tuple[list[str], dict[str, str], Callable[[], str]]


def probes() -> dict[str, Callable[[Path], Probe]]:
    """name → setup(folder) → (command args, extra environment, after-check returning a note)."""

    def profile(d: Path) -> str:
        (d / "p.yaml").write_text(PROFILE, encoding="utf-8")
        return str(d / "p.yaml")

    def kept(path: Path) -> Callable[[], str]:
        before = path.read_bytes()
        return lambda: "source kept" if path.read_bytes() == before else "SOURCE DESTROYED"

    def csv_out(d: Path, text: str) -> Callable[[], str]:
        def check() -> str:
            out = d / "out.csv"
            if not out.exists():
                return "no output"
            # every field is quoted: a raw cell starts right after its opening quote
            return f"raw {text!r} in CSV" if f'"{text}' in out.read_text(encoding="utf-8-sig") else "neutralised"
        return check

    def none() -> str:
        return ""

    def rejects_file(d: Path) -> Callable[[], str]:
        return lambda: "rejects written" if (d / "o.rejects.xlsx").exists() else "NO REJECTS FILE"

    def export(d: Path, src: Path, out: str = "o.xlsx") -> list[str]:
        return ["export", str(src), "-p", profile(d), "-o", str(d / out)]

    return {
        "init -o SOURCE": lambda d: (["init", str(victim_xlsx(d / "x.xlsx")), "-o", str(d / "x.xlsx")], {},
                                     kept(d / "x.xlsx")),
        "export --rejects SOURCE": lambda d: ([*export(d, victim_xlsx(d / "x.xlsx")), "--rejects", str(d / "x.xlsx")],
                                              {}, kept(d / "x.xlsx")),
        "xlsx XFD1048576 (2 KB)": lambda d: (["inspect", str(far_cell_xlsx(d / "far.xlsx"))], {}, none),
        "xlsx zip bomb 5M rows": lambda d: (export(d, bomb_xlsx(d / "bomb.xlsx", 5_000_000)), {}, none),
        "CSV 300 MB line": lambda d: (["inspect", str(big_csv_line(d / "line.csv", 300))], {}, none),
        "CSV 200 MB field": lambda d: (["inspect", str(big_csv_field(d / "field.csv", 200))], {}, none),
        "HTML .xls 300 MB": lambda d: (["inspect", str(big_html(d / "big.xls", 300))], {}, none),
        "phone 3x100k spaces": lambda d: (["validate", str(cells_csv(d / "ph.csv", ["Сделка", "Телефон"],
                                          [["A", "1" + " " * 100_000 + "1"]] * 3)), "-p", profile(d)], {}, none),
        "email 3x100k 'a'": lambda d: (["validate", str(cells_csv(d / "em.csv", ["Сделка", "Email"],
                                       [["A", "a" * 100_000]] * 3)), "-p", profile(d)], {}, none),
        "YAML alias bomb": lambda d: (["validate", str(cells_csv(d / "s.csv", ["Сделка"], [["A"]])), "-p",
                                      str(alias_bomb(d / "bomb.yaml"))], {}, none),
        "JSON 100k deep": lambda d: (["inspect", str(deep_json(d / "deep.json", 100_000))], {}, none),
        "sheet '../../tmp/pwned'": lambda d: (export(d, raw_xlsx(d / "odd.xlsx", SHEET_HEAD + (
            '<row><c t="inlineStr"><is><t>Сделка</t></is></c><c t="inlineStr"><is><t>Телефон</t></is></c></row>'
            '<row><c t="inlineStr"><is><t>A</t></is></c><c t="inlineStr"><is><t>bad</t></is></c></row>').encode()
            + SHEET_TAIL, sheet="../../tmp/pwned")), {}, rejects_file(d)),
        "non-ASCII token": lambda d: (["schema", "pull", "--base-url", "http://127.0.0.1:9", "-o", str(d / "a.json")],
                                      {"AMOCRM_TOKEN": "токен-abc"}, none),
        "journal bit-flipped": lambda d: (["upload", str(victim_xlsx(d / "x.xlsx")), "-p", profile(d), "--schema",
                                           str(ROOT / "samples" / "account.json"), "--base-url", "http://127.0.0.1:9",
                                           "--journal", str(damaged_journal(d / "j.sqlite"))], {}, none),
        "CSV formula cell": lambda d: (export(d, victim_xlsx(d / "f.xlsx", [["=cmd|' /C calc'!A0", "+79161234567"]]),
                                              "out.csv"), {}, csv_out(d, "=cmd")),
        "NUL in cells → CSV": lambda d: (export(d, victim_xlsx(d / "n.xlsx", [["A\x00B\x07", "+79161234567"]]),
                                                "out.csv"), {}, csv_out(d, "\x00")),
    }


def run_one(args: list[str], mem_mb: int, timeout: float, cwd: Path, extra: dict[str, str]) -> dict[str, object]:
    def limit() -> None:
        cap = mem_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMOCRM_TOKEN": "probe-token", **extra}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "migrate.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, cwd=cwd, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
        code: object = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = "timeout"
    took = time.monotonic() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # this process runs one probe only
    text = err.decode("utf-8", "replace")
    first = next((ln for ln in reversed(text.splitlines()) if ln.strip()), "")
    return {"exit": code, "seconds": round(took, 1), "rss_mb": rss, "traceback": "Traceback" in text,
            "stderr_bytes": len(err), "last_line": first[:160]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mem-mb", type=int, default=2048)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    results = {}
    for name, setup in probes().items():
        if a.only and not any(o.lower() in name.lower() for o in a.only):
            continue
        with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
            d = Path(tmp)
            args, extra, check = setup(d)
            # each probe in its own child of a child, so wait4's peak RSS is that probe's alone
            r = subprocess.run([sys.executable, __file__, "--child", str(a.mem_mb), str(a.timeout), str(d),
                                json.dumps(args), json.dumps(extra)], capture_output=True, text=True)  # fmt: skip
            res = json.loads(r.stdout) if r.returncode == 0 and r.stdout else {"exit": "harness", "err": r.stderr[-300:]}
            res["note"] = check()
            results[name] = res
        print(f"{name:26} exit {res.get('exit')!s:8} {res.get('rss_mb', 0):7.0f} MB {res.get('seconds', 0):6.1f} s "
              f"stderr {res.get('stderr_bytes', 0):>9} B tb={res.get('traceback')!s:5} {res.get('note', ''):16} | "
              f"{res.get('last_line', '')[:100]}", flush=True)
        shutil.rmtree(Path(tempfile.gettempdir()) / "pwned", ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mem, timeout, cwd, args, extra = sys.argv[2:7]
        print(json.dumps(run_one(json.loads(args), int(mem), float(timeout), Path(cwd), json.loads(extra))))
    else:
        main()
