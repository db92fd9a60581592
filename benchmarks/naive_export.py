"""The baseline for benchmarks/run.py: what an analyst would type in a notebook, nothing more.

    python benchmarks/naive_export.py SOURCE.xlsx OUT.xlsx

Reads the first sheet with pandas' default engine, renames the columns as benchmarks/deals-profile.yaml
maps them and writes the result with pandas' default engine. No checks, no value cleaning: phones typed
as numbers come out as floats, dates as datetimes, so it is a floor for the cost of reading and writing,
not an equivalent of `amomigrate export`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

PROFILE = Path(__file__).with_name("deals-profile.yaml")


def renames() -> dict[str, str]:
    columns = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["columns"]
    return {src: spec if isinstance(spec, str) else spec["field"] for src, spec in columns.items() if spec}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    df = pd.read_excel(argv[1])
    df = df.rename(columns=renames())
    df.to_excel(argv[2], index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
