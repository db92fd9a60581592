"""What every `amomigrate` command module shares: exit codes, clean failures, the account options.

Defined once so that `validate`, `upload`, `schema pull` and `plan --apply` fail the same way (one
paragraph on stderr, exit 2, never a traceback for a user's mistake) and take the same account options.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core.issues import MigrateError

EXIT_OK, EXIT_DATA_ERRORS, EXIT_FAILED = 0, 1, 2


def fail_cleanly(fn: Callable[..., Any] | None = None, *, interrupted: str | None = None) -> Callable[..., Any]:
    """Turn MigrateError (and OS errors on the user's files) into a message and exit code 2.

    `interrupted`: what to say on Ctrl-C (e.g. that the journal resumes); without it Ctrl-C is click's.
    """

    def decorate(inner: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return inner(*args, **kwargs)
            except MigrateError as e:
                click.echo(f"Error: {e}", err=True)
                sys.exit(EXIT_FAILED)
            except OSError as e:
                click.echo(f"Error: {e.strerror or e} ({e.filename or ''}).", err=True)
                sys.exit(EXIT_FAILED)
            except KeyboardInterrupt:
                if interrupted is None:
                    raise
                click.echo(interrupted, err=True)
                sys.exit(EXIT_FAILED)

        return wrapper

    return decorate(fn) if fn is not None else decorate


def account_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--subdomain/--domain/--base-url/--rate/--token-file: where the account is and how to reach it.
    The token itself comes from the environment only: options show in `ps` and shell history."""
    options = [
        click.option("--subdomain", help="Account subdomain: NAME for https://NAME.amocrm.ru."),
        click.option("--domain", default="amocrm.ru", show_default=True,
                     help="Account domain: amocrm.ru, or kommo.com for Kommo accounts."),
        click.option("--base-url", help="Full API origin instead (https; plain http only for 127.0.0.1)."),
        click.option("--rate", type=click.FloatRange(min=0.1, max=7.0), default=7.0, show_default=True,
                     help="Requests per second at most (AmoCRM's limit is 7)."),
        click.option("--token-file", type=click.Path(path_type=Path),
                     help="OAuth: file (mode 0600) keeping the refreshed token pair between runs."),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


def render_report(report: Any, fmt: str, quiet: bool, reconciliation: str) -> None:
    """Print a run's result and exit with its code: the summary and the files written, or (`--format json`)
    the JSON on stdout with the reconciliation line on stderr. One file's Report and a whole base's
    BaseReport render the same way; the caller passes the reconciliation line each words its own way."""
    if fmt == "json":  # written as it is made (`json_pieces`): a big file's issues are never one str
        sys.stdout.writelines(report.json_pieces())
        sys.stdout.write("\n")
        sys.stdout.flush()
        click.echo(reconciliation, err=True)
    else:
        click.echo(report.summary(limit=0 if quiet else 10))
        for kind, paths in report.outputs.items():
            for p in paths:
                click.echo(f"{kind}: {p}")
    sys.exit(EXIT_OK if report.ok else EXIT_DATA_ERRORS)
