"""`amomigrate sandbox`: serve the local AmoCRM API v4 emulator until interrupted (DESIGN.md, "The sandbox").

This is the one place a token is printed: it is the sandbox's own, good for nothing but this local server.
SIGINT and SIGTERM both stop it cleanly with exit code 0, so it can run under a shell, a CI job or systemd.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from ..core.issues import MigrateError
from ..core.schema import load_schema
from ..sandbox.server import Sandbox

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("sandbox")
@click.option("--schema", type=click.Path(path_type=Path), help="Account schema JSON (default: a fresh account).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8765, show_default=True, help="Port (0: any free port).")
@click.option("--token", help="Bearer token to accept (default: a new random one, printed).")
@click.option("--rate-limit", type=float, default=7, show_default=True,
              help="Requests allowed in any rolling second; more get 429 (0: no limit).")  # fmt: skip
@click.option("--fail-429", type=click.FloatRange(0, 1), default=0, help="Probability of an injected 429.")
@click.option("--fail-5xx", type=click.FloatRange(0, 1), default=0, help="Probability of an injected 5xx.")
@click.option("--drop", type=click.FloatRange(0, 1), default=0,
              help="Probability of a dropped connection (half of dropped writes are saved first).")  # fmt: skip
@click.option("--latency-ms", type=click.IntRange(0), default=0, help="Delay before every answer.")
@click.option("--seed", type=int, help="Seed for the fault draws, to repeat a run.")
@click.option("--block-after", type=click.IntRange(1), help="403 on everything after this many 429s for rate.")
@click.option("--non-admin", is_flag=True,
              help="The token's user is not an administrator: the users and roles methods answer 403.")
@click.option("--group", "groups", multiple=True, help="A user group of the account (repeat; default: Отдел продаж).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print a line per request.")
def sandbox(
    schema: Path | None,
    host: str,
    port: int,
    token: str | None,
    rate_limit: float,
    fail_429: float,
    fail_5xx: float,
    drop: float,
    latency_ms: int,
    seed: int | None,
    block_after: int | None,
    non_admin: bool,
    groups: tuple[str, ...],
    quiet: bool,
) -> None:
    """Serve a local AmoCRM API v4 emulator to rehearse an upload against (Ctrl+C to stop)."""
    try:
        account = load_schema(schema)
        server = Sandbox(account, host=host, port=port, token=token, rate_limit=rate_limit, fail_429=fail_429,
                         fail_5xx=fail_5xx, drop=drop, latency_ms=latency_ms, seed=seed,
                         block_after=block_after, admin=not non_admin,
                         groups=list(groups) or None).start()  # fmt: skip
    except (MigrateError, ValueError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        click.echo(f"Error: cannot listen on {host}:{port}: {e.strerror or e}.", err=True)
        sys.exit(2)
    _announce(server, account.source, host)
    _serve_until_signal(server, quiet)
    server.stop()
    click.echo("Sandbox stopped.")


def _announce(server: Sandbox, source: str, host: str) -> None:
    click.echo(f"AmoCRM API v4 sandbox at {server.url} (account schema: {source})")
    click.echo(f"Token: {server.token}")
    click.echo(f"Try:   curl -H 'Authorization: Bearer {server.token}' {server.url}/api/v4/leads")
    click.echo(f"Upload against it with --base-url {server.url} and AMOCRM_TOKEN set to the token above.")
    if host not in _LOOPBACK:
        click.echo(f"Warning: listening on {host}, so other machines can reach the sandbox.", err=True)
    click.echo("Press Ctrl+C to stop.")


def _serve_until_signal(server: Sandbox, quiet: bool) -> None:
    """Block the main thread until SIGINT or SIGTERM (the server runs in its own thread), echoing requests."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    seen = 0
    try:
        while not stop.wait(0.25):
            seen = seen if quiet else _echo_requests(server, seen)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _echo_requests(server: Sandbox, seen: int) -> int:
    """One line per request since `seen`: method, path (no query: it may hold customers' data), outcome."""
    new = server.requests[seen:]
    for r in new:
        outcome = "dropped" if r.status is None else str(r.status)
        click.echo(f"{r.method} {r.path} -> {outcome}" + (f" ({r.fault})" if r.fault else ""))
    return seen + len(new)
