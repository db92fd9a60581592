"""A local AmoCRM API v4 emulator to rehearse an upload against, and for tests to talk to over real HTTP.

>>> from migrate.sandbox import Sandbox
>>> with Sandbox(seed=1) as sb:  # doctest: +SKIP
...     httpx.get(f"{sb.url}/api/v4/leads", headers={"Authorization": f"Bearer {sb.token}"})

It serves the subset of API v4 amomigrate uses (api.py) from an account schema, and enforces what
the real service enforces (amocrm.md, "What a faithful local API emulator must enforce"): bearer auth,
the 7 req/s limit with 429 and, after repeated violations, 403 on everything; page and batch limits;
`validation-errors` for unknown fields, enums, stages and users. It can also misbehave on purpose
(faults.py): 429s, 5xx, slow answers, dropped connections — half of the dropped writes after
they were saved. The order per request is: block → rate limit → fault draw → auth → endpoint.

Stdlib only (ThreadingHTTPServer), so it runs wherever amomigrate runs.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from ..core.schema import AccountSchema, load_schema
from .account import SandboxAccount
from .api import Api, Request, Response, html_page, parse_form, problem, rate_limited
from .auth import OAuthError, Tokens
from .faults import (
    BLOCKED,
    DROP_AFTER,
    DROP_BEFORE,
    F5XX,
    F429_HTML,
    RATE,
    Block,
    Faults,
    RateLimiter,
    RequestLog,
)  # fmt: skip
from .store import SandboxStore

__all__ = ["RequestLog", "Sandbox", "SandboxStore"]

_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class Sandbox:
    """The emulator: build, `start()` (or `with`), talk to `url` with `Bearer token`, `stop()`.

    `store` holds what was created, `requests` every request seen (method, path, status, arrival time,
    fault). Beyond the basic knobs: `oauth_client=(id, secret)` enables `/oauth2/access_token`
    (`new_auth_code()` plays the user approving the integration); `retry_after` is the 429 body's value
    (the real service says 300; 1 keeps rehearsals quick); `check_users=False` accepts any
    responsible_user_id; `tag_filter=False` ignores `filter[tags]` (the real API is said not to filter by
    tag: amocrm-api-php#474), so an uploader's fallback can be rehearsed; `payment_required = True` answers
    402 on every API call. Users and roles (team.py): `admin=False` makes the token a non-administrator's
    (403 on the users and roles methods), `user_limit` is where `POST /users` stops (the API's 100),
    `groups` names the account's user groups (default: one, «Отдел продаж»).
    """

    def __init__(self, schema: AccountSchema | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, rate_limit: float = 7, fail_429: float = 0, fail_5xx: float = 0,
                 drop: float = 0, latency_ms: int = 0, seed: int | None = None, block_after: int | None = None,
                 oauth_client: tuple[str, str] | None = None, retry_after: int = 1,
                 check_users: bool = True, tag_filter: bool = True, admin: bool = True, user_limit: int = 100,
                 groups: list[str] | None = None) -> None:  # fmt: skip
        self.schema = schema if schema is not None else load_schema(None)
        self.account = SandboxAccount(self.schema)
        self.store = SandboxStore(self.account, check_users=check_users)
        self.api = Api(self.account, self.store, tag_filter=tag_filter)
        self.account.token_is_admin, self.api.team.user_limit = admin, user_limit
        if groups is not None:
            self.account.groups = [{"id": i, "name": g, "uuid": None} for i, g in enumerate(groups)]
        self.token = token or secrets.token_urlsafe(32)
        self.tokens = Tokens(self.token, oauth_client)
        self.limiter = RateLimiter(rate_limit)
        self.faults = Faults(fail_429=fail_429, fail_5xx=fail_5xx, drop=drop, latency_ms=latency_ms, seed=seed)
        self.block = Block(block_after)
        self.retry_after = retry_after
        self.payment_required = False
        self.requests: list[RequestLog] = []
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    # lifecycle ----------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self._address[0]}:{self._server.server_address[1]}"

    def start(self) -> Sandbox:
        if self._server is None:
            self._server = _Server(self._address, _Handler)
            self._server.sandbox = self
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="amocrm-sandbox", daemon=True)  # fmt: skip
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open keep-alive connections, so a stopped sandbox answers nothing."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            for conn in list(self._connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()

    # run-time controls --------------------------------------------------------------------------------------

    def set_faults(self, *, fail_429: float | None = None, fail_5xx: float | None = None, drop: float | None = None,
                   latency_ms: int | None = None) -> None:  # fmt: skip
        """Change fault rates while serving; None keeps a setting."""
        self.faults.set(fail_429=fail_429, fail_5xx=fail_5xx, drop=drop, latency_ms=latency_ms)

    def new_auth_code(self) -> str:
        """An authorization code for `grant_type=authorization_code`, as the user's consent would give."""
        return self.tokens.new_auth_code()

    def revoke_token(self, token: str) -> None:
        self.tokens.revoke(token)

    def unblock(self) -> None:
        """Lift the 403 block after rate-limit violations (on the real service: a letter to support)."""
        self.block.clear()

    # one request ----------------------------------------------------------------------------------------------

    def handle(self, req: Request, arrived: float) -> tuple[Response | None, str | None]:
        """The response (None: drop the connection) and the fault applied, for one parsed request."""
        if self.block.blocked:
            return html_page(403), BLOCKED
        if not self.limiter.admit(arrived):
            self.block.violation()
            return rate_limited(self.retry_after), RATE
        fault = self.faults.draw(write=req.method in _WRITES)
        if fault.latency_s:
            time.sleep(fault.latency_s)
        if fault.kind == DROP_BEFORE:
            return None, fault.kind
        if fault.status == 429:
            return (html_page(429) if fault.kind == F429_HTML else rate_limited(self.retry_after)), fault.kind
        if fault.kind == F5XX and fault.status is not None:
            return _server_error(fault.status), fault.kind
        response = self._serve(req)
        return (None, DROP_AFTER) if fault.kind == DROP_AFTER else (response, None)

    def _serve(self, req: Request) -> Response:
        if req.path == "/oauth2/access_token":
            if req.method != "POST":
                return problem(405, "Method Not Allowed")
            try:
                return Response(200, self.tokens.exchange(parse_form(req)), "application/json")
            except OAuthError as e:
                return problem(e.status, e.detail)
        if req.path.startswith("/api/v4"):
            auth = req.headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
            if not self.tokens.valid(token):
                return problem(401, "Invalid user name or password")
            if self.payment_required:
                return problem(402, "Payment required")
        return self.api.route(req)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)


def _server_error(status: int) -> Response:
    """500 as the API's ErrInternalServer body; 502/503/504 as the gateway's HTML page."""
    if status == 500:
        return problem(500, "Internal server error", trace_id=secrets.token_hex(16))
    return html_page(status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx uses it
    timeout = 30  # an idle keep-alive connection does not hold a thread forever
    disable_nagle_algorithm = True  # headers and body go out as two writes: without this, +40 ms per answer
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request log is `Sandbox.requests`, and headers (tokens) must not reach a terminal."""

    def do_GET(self) -> None:
        sb = self.server.sandbox
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True), self._body(),
                      sb.url if sb._server else "", headers)  # fmt: skip
        try:
            response, fault = sb.handle(req, arrived)
        except Exception as e:  # a sandbox bug must show, not hang the client
            traceback.print_exc()
            response, fault = problem(500, f"Sandbox error: {e!r}"), None
        # logged before answering, so a client that got its answer finds its request in the log
        sb.requests.append(RequestLog(self.command, parts.path, response.status if response else None, arrived,
                                      fault, parts.query))  # fmt: skip
        if response is None:
            self.close_connection = True  # no status line, no body: the client sees the connection drop
            return
        self._send(response)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, response: Response) -> None:
        data = response.payload()
        self.send_response(response.status)
        if data:
            self.send_header("Content-Type", f"{response.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
