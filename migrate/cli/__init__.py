"""The `amomigrate` command line: each command parses options, calls one `migrate.api` function, renders.

main (the click group: inspect, init, validate, export, plan) · amocrm (schema pull, upload) · sandbox
(the local emulator) · common (exit codes, clean failures, shared account options).

May import anything in `migrate`; nothing in `migrate` imports it (the layering test checks).
"""

import sys

# jsonschema imports its optional `rfc3987_syntax` at once when it is installed (Jupyter brings it), which
# builds a grammar: 1.0 s of every command's start. It serves the "iri" formats only; no schema of ours has
# a "format" and we pass no format checker, so the command goes without it (already imported, it stays).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from .main import cli, main  # noqa: E402

__all__ = ["cli", "main"]
