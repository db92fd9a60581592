"""The `amomigrate` command line: each command parses options, calls one `migrate.api` function, renders.

main (the click group: inspect, init, validate, export, plan) · amocrm (schema pull, upload) · sandbox
(the local emulator) · common (exit codes, clean failures, shared account options).

May import anything in `migrate`; nothing in `migrate` imports it (the layering test checks).
"""

from .main import cli, main

__all__ = ["cli", "main"]
