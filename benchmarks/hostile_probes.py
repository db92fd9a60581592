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
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
        prev = name
    lines.append(f"version: *{prev}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deep_json(path: Path, depth: int) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def probes(d: Path) -> dict[str, tuple[list[str], Callable[[], None], Callable[[], str]]]:
    """name → (command args, setup, after-check returning a note)."""
    prof = d / "p.yaml"
    prof.write_text(PROFILE, encoding="utf-8")
    src = d / "src.csv"
    victim = d / "victim.xlsx"

    def make_src() -> None:
        cells_csv(src, ["Сделка", "Телефон", "Email"], [["A", "+79161234567", "a@b.ru"]])

    def make_victim() -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(victim))
        ws = book.add_worksheet("Лист1")
        ws.write_row(0, 0, ["Сделка", "Телефон"])
        ws.write_row(1, 0, ["A", "+79161234567"])
        book.close()
        kept["bytes"] = victim.read_bytes()

    kept: dict[str, bytes] = {}

    def victim_kept() -> str:
        return "source kept" if victim.read_bytes() == kept["bytes"] else "SOURCE DESTROYED"

    def csv_has(text: str) -> Callable[[], str]:
        def check() -> str:
            out = d / "out.csv"
            if not out.exists():
                return "no output"
            body = out.read_text(encoding="utf-8-sig")
            return f"raw {text!r} in CSV" if text in body else "neutralised"
        return check

    nothing = lambda: ""  # noqa: E731
    P = str(prof)
    return {
        "init -o SOURCE": (["init", str(victim), "-o", str(victim)], make_victim, victim_kept),
        "export --rejects SOURCE": (["export", str(victim), "-p", P, "-o", str(d / "o.xlsx"),
                                     "--rejects", str(victim)], make_victim, victim_kept),
        "xlsx XFD1048576 (2 KB)": (["inspect", str(d / "far.xlsx")], lambda: far_cell_xlsx(d / "far.xlsx"), nothing),
        "xlsx zip bomb 5M rows": (["export", str(d / "bomb.xlsx"), "-p", P, "-o", str(d / "o.xlsx")],
                                  lambda: bomb_xlsx(d / "bomb.xlsx", 5_000_000), nothing),
        "CSV 300 MB line": (["inspect", str(d / "line.csv")], lambda: big_csv_line(d / "line.csv", 300), nothing),
        "CSV 200 MB field": (["inspect", str(d / "field.csv")], lambda: big_csv_field(d / "field.csv", 200), nothing),
        "HTML .xls 300 MB": (["inspect", str(d / "big.xls")], lambda: big_html(d / "big.xls", 300), nothing),
        "phone 3x100k spaces": (["validate", str(d / "ph.csv"), "-p", P],
                                lambda: cells_csv(d / "ph.csv", ["Сделка", "Телефон"], [["A", "1" + " " * 100_000 + "1"]] * 3),
                                nothing),
        "email 3x100k 'a'": (["validate", str(d / "em.csv"), "-p", P],
                             lambda: cells_csv(d / "em.csv", ["Сделка", "Email"], [["A", "a" * 100_000]] * 3), nothing),
        "YAML alias bomb": (["validate", str(src), "-p", str(d / "bomb.yaml")],
                            lambda: (make_src(), alias_bomb(d / "bomb.yaml")), nothing),
        "JSON 100k deep": (["inspect", str(d / "deep.json")], lambda: deep_json(d / "deep.json", 100_000), nothing),
        "sheet '../../tmp/pwned'": (["export", str(d / "odd.xlsx"), "-p", P, "-o", str(d / "o.xlsx")],
                                    lambda: raw_xlsx(d / "odd.xlsx", SHEET_HEAD + '<row><c t="inlineStr"><is><t>Сделка</t></is></c>'
                                                     '<c t="inlineStr"><is><t>Телефон</t></is></c></row><row><c t="inlineStr">'
                                                     '<is><t>A</t></is></c><c t="inlineStr"><is><t>bad</t></is></c></row>'.encode() + SHEET_TAIL,
                                                     sheet="../../tmp/pwned"),
                                    lambda: "rejects written" if (d / "o.rejects.xlsx").exists() else "NO REJECTS FILE"),
        "CSV formula cell": (["export", str(d / "f.csv"), "-p", P, "-o", str(d / "out.csv")],
                             lambda: cells_csv(d / "f.csv", ["Сделка", "Телефон"], [["=cmd|' /C calc'!A0", "+79161234567"]]),
                             csv_has("=cmd")),
        "NUL in cells → CSV": (["export", str(d / "n.csv"), "-p", P, "-o", str(d / "out.csv")],
                               lambda: cells_csv(d / "n.csv", ["Сделка", "Телефон"], [["A\x00B\x07", "+79161234567"]]),
                               csv_has("\x00")),
    }


def run_one(args: list[str], mem_mb: int, timeout: float, cwd: Path) -> dict[str, object]:
    def limit() -> None:
        cap = mem_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMOCRM_TOKEN": "probe"}
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
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # max over children so far: see main
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
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="probes-") as tmp:
        d = Path(tmp)
        for name, (args, setup, check) in probes(d).items():
            if a.only and not any(o.lower() in name.lower() for o in a.only):
                continue
            setup()
            # each probe in its own grandchild so RUSAGE_CHILDREN's maximum is that probe's alone
            r = subprocess.run([sys.executable, __file__, "--mem-mb", str(a.mem_mb), "--timeout", str(a.timeout),
                                "--child", str(d), json.dumps(args)], capture_output=True, text=True)
            res = json.loads(r.stdout) if r.returncode == 0 and r.stdout else {"exit": "harness", "err": r.stderr[-300:]}
            res["note"] = check()
            results[name] = res
            print(f"{name:28} exit {res.get('exit')!s:8} {res.get('rss_mb', 0):8.0f} MB {res.get('seconds', 0):7.1f} s "
                  f"tb={res.get('traceback')} {res.get('note', '')} | {res.get('last_line', '')[:110]}", flush=True)
            for f in d.iterdir():
                if f.suffix in (".xlsx", ".csv", ".xls", ".json") and f.stat().st_size > 1 << 20:
                    f.unlink()
            shutil.rmtree(d / "tmp", ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        mem = int(sys.argv[sys.argv.index("--mem-mb") + 1])
        timeout = float(sys.argv[sys.argv.index("--timeout") + 1])
        cwd, args = Path(sys.argv[i + 1]), json.loads(sys.argv[i + 2])
        print(json.dumps(run_one(args, mem, timeout, cwd)))
    else:
        main()
