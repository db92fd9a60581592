"""The HTTP client for AmoCRM API v4: base URL, bearer auth, pacing, retries, and clear failures.

Why it is careful: AmoCRM answers more than 7 requests a second with 429 and, after repeated violations,
blocks the account or IP with 403 until support lifts it (amocrm.md §2.2). So every request — retries and
token refreshes included — passes one `Pacer`, and the pacer never lets 8 requests start within a rolling
second. Failures are sorted by what a retry can fix:

- 429 → wait `retry_after` (JSON body or `Retry-After`; an HTML body from the gateway → a default wait);
- 5xx, timeouts, dropped connections → capped exponential backoff with jitter, a bounded number of times —
  but only for reads. A write whose answer was lost may have been applied, so it raises
  `WriteOutcomeUnknown` and the uploader finds out what was created before sending again;
- 400 with `validation-errors` → `ValidationFailed` carrying the parsed errors (per request_id and path);
- 401/402/403 → `AmoApiError` saying what to do. Never a retry: repeating them is what gets accounts blocked.

Tokens never appear in any text we produce: httpx exceptions are re-raised as our own, scrubbed, with their
cause dropped (`from None`), and no redirects are followed (a redirect could carry the header elsewhere).
"""

from __future__ import annotations

import ipaddress
import json
import random
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..core.issues import AmoApiError
from .auth import TOKEN_HELP, NeedsRefresh, TokenSource

DEFAULT_DOMAIN = "amocrm.ru"
MAX_RATE = 7.0
PAGE_LIMIT = 250
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


class ValidationFailed(AmoApiError):
    """HTTP 400 with `validation-errors`: nothing of the request was saved; `errors` says which items failed.

    `errors` maps request_id → [(code, path, detail)]; an empty dict means the 400 named no item."""

    def __init__(self, message: str, errors: dict[str, list[tuple[str, str, str]]]) -> None:
        super().__init__(message)
        self.errors = errors


class WriteOutcomeUnknown(AmoApiError):
    """A write got no usable answer (5xx, timeout, dropped connection): it may or may not have been applied."""


class TooManyPages(AmoApiError):
    """A list was longer than the caller could afford to read."""


class Forbidden(AmoApiError):
    """HTTP 403: the user lacks rights for the method, or the account/IP is blocked."""


def base_url_for(subdomain: str | None = None, domain: str = DEFAULT_DOMAIN, base_url: str | None = None) -> str:
    """`https://{subdomain}.{domain}`, or `base_url` checked: https, or plain http on a loopback host only."""
    if base_url:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AmoApiError(f"--base-url {base_url!r} is not an http(s) URL.")
        if parts.username or parts.password:
            raise AmoApiError("--base-url must not contain a user name or password; use the environment.")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise AmoApiError(
                f"--base-url {base_url!r} uses plain http to a host that is not this machine; the token would "
                "travel unencrypted. Use https (plain http is allowed only for 127.0.0.1/localhost)."
            )
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    if not subdomain:
        raise AmoApiError("Give the account: --subdomain NAME (NAME.amocrm.ru) or --base-url URL.")
    sub = subdomain.strip().lower().removeprefix("https://").rstrip("/")
    if "." in sub:  # "demo.amocrm.ru" given whole
        sub, _, domain = sub.partition(".")
    if not _HOST.match(sub) or not all(_HOST.match(p) for p in domain.lower().split(".")):
        raise AmoApiError(f"{subdomain!r} is not an account subdomain (letters, digits and '-').")
    return f"https://{sub}.{domain.lower()}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Pacer:
    """At most `floor(rate)` request starts in any rolling second, spaced evenly `1/rate` apart.

    A token bucket of burst 7 lets 7 go at once and an 8th at its first refill, i.e. 8 inside one second;
    here the 8th must wait until a full second (plus `guard`, for clock and network jitter) has passed since
    the 1st. `rate` above 7 is refused: that is the documented limit.
    """

    def __init__(self, rate: float = MAX_RATE, *, guard: float = 0.02, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        if not 0 < rate <= MAX_RATE:
            raise AmoApiError(f"--rate must be above 0 and at most {MAX_RATE:g} requests a second, not {rate:g}.")
        self.rate, self.guard = rate, guard
        self.cap = max(1, int(rate))
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque(maxlen=self.cap)

    @property
    def period(self) -> float:
        """Seconds per request at full pace: what an ETA should assume."""
        return max(self.interval, (1.0 + self.guard) / self.cap)

    def wait(self) -> float:
        """Block until the next request may start; record its start; return the seconds waited."""
        now = self._clock()
        at = now
        if self._starts:
            at = max(at, self._starts[-1] + self.interval)
        if len(self._starts) == self.cap:
            at = max(at, self._starts[0] + 1.0 + self.guard)
        if at > now:
            self._sleep(at - now)
        self._starts.append(max(self._clock(), at))
        return at - now


@dataclass
class RetryPolicy:
    """How hard to try. `attempts` counts every try of one request; backoff doubles from `base` to `cap`."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    default_retry_after: float = 2.0
    max_retry_after: float = 900.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Equal jitter: half the capped exponential delay, plus a random share of the other half."""
        delay = min(self.cap, self.base * 2**attempt)
        return delay / 2 + self.rng.uniform(0, delay / 2)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited: float = 0.0


class AmoClient:
    """Synchronous API v4 client. `get`/`post` return parsed JSON (None for 204 No Content).

    `on_wait(seconds, reason)` is told about every deliberate wait longer than a pacing gap (429, backoff),
    so a progress bar can say why it stalls.
    """

    def __init__(self, base_url: str, auth: TokenSource, *, rate: float = MAX_RATE,
                 retry: RetryPolicy | None = None, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep,
                 on_wait: Callable[[float, str], None] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.secrets = auth.secrets
        self.pacer = Pacer(rate, sleep=sleep)
        self.retry = retry or RetryPolicy()
        self.stats = Stats()
        self._sleep = sleep
        self.on_wait = on_wait
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,
            headers={"User-Agent": "amomigrate", "Accept": "application/json"},
            transport=transport,
        )

    # --- public --------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params, idempotent=True)

    def post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        return self.request("POST", path, body=body, idempotent=idempotent)

    def pages(self, path: str, key: str, params: dict[str, Any] | None = None, *, limit: int = PAGE_LIMIT,
              max_pages: int | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every item of a paginated list (`_embedded[key]`), page by page, until a page has no `next`.

        With `max_pages`, a list that goes on beyond it raises TooManyPages rather than end silently short."""
        page = 1
        while True:
            data = self.get(path, {**(params or {}), "page": page, "limit": limit})
            if not data:
                return
            yield from (data.get("_embedded") or {}).get(key) or []
            if not ((data.get("_links") or {}).get("next")):
                return
            if max_pages is not None and page >= max_pages:
                raise TooManyPages(f"GET {path} has more than {max_pages} pages of {limit}.")
            page += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AmoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the loop ------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                idempotent: bool = False) -> Any:  # fmt: skip
        """One API call with pacing and the retry rules in the module docstring."""
        refreshed = False
        throttled = 0
        attempt = 0
        while True:
            response, lost = self._attempt(method, path, params, body)
            if response is None:  # outside the `except`, so httpx's exception is not chained to ours
                attempt = self._transient(method, path, idempotent, attempt, lost)
                continue
            status = response.status_code
            if status == 429:
                throttled += 1
                self._throttled(response, throttled, method, path)
                continue
            if status == 401 and not refreshed and self._refresh():
                refreshed = True
                continue
            if status >= 500:
                attempt = self._transient(method, path, idempotent, attempt, f"HTTP {status}")
                continue
            return self._result(response, method, path)

    def _attempt(self, method: str, path: str, params: dict[str, Any] | None,
                 body: Any) -> tuple[httpx.Response | None, str]:  # fmt: skip
        """The response, or None and why there was none (scrubbed: httpx texts may quote a request)."""
        try:
            return self._send(method, path, params, body), ""
        except httpx.RequestError as e:  # transport errors, and an answer that cannot be decoded
            return None, f"{type(e).__name__}: {self.secrets.scrub(e) or 'no answer'}"

    def _send(self, method: str, path: str, params: dict[str, Any] | None, body: Any) -> httpx.Response:
        token = self._token()
        self.stats.requests += 1
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.pacer.wait()  # stamped as late as possible: the payload is encoded before, not between
        headers = {"Authorization": f"Bearer {token}"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        return self._http.request(method, path, params=params, content=content, headers=headers)

    def _token(self) -> str:
        try:
            return self.auth.token()
        except NeedsRefresh:
            if not self._refresh():
                raise AmoApiError("No usable AmoCRM token. " + TOKEN_HELP) from None
            return self.auth.token()

    def _refresh(self) -> bool:
        return self.auth.refresh(self._oauth_post)

    def _oauth_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.pacer.wait()
        self.stats.requests += 1
        r, reason = None, ""
        try:
            r = self._http.post(path, json=body)
        except httpx.RequestError as e:  # raised below, outside `except`: httpx's exception holds the secrets
            reason = self.secrets.scrub(e)
        if r is None:
            raise AmoApiError(f"Cannot reach {self.base_url} to refresh the token: {reason}.")
        if r.status_code != 200:
            raise AmoApiError(f"The OAuth refresh was refused (HTTP {r.status_code}). " + TOKEN_HELP)
        try:
            return r.json()
        except ValueError:
            raise AmoApiError("The OAuth token endpoint did not answer JSON. " + TOKEN_HELP) from None

    def _transient(self, method: str, path: str, idempotent: bool, attempt: int, reason: str) -> int:
        """Back off and allow another try, or give up; a lost write is never blindly repeated."""
        where = f"{method} {path}"
        if not idempotent:
            raise WriteOutcomeUnknown(f"{where} got no usable answer ({reason}); it may have been applied.")
        if attempt + 1 >= self.retry.attempts:
            raise AmoApiError(
                f"{where} failed {attempt + 1} times ({reason}). AmoCRM or the network is not answering; "
                "run the same command again later (an upload resumes from its journal)."
            )
        delay = self.retry.backoff(attempt)
        self.stats.retries += 1
        self._pause(delay, f"{reason}, retrying")
        return attempt + 1

    def _throttled(self, response: httpx.Response, count: int, method: str, path: str) -> None:
        self.stats.throttled += 1
        if count > max(self.retry.attempts, 10):
            raise AmoApiError(
                f"{method} {path}: AmoCRM kept answering 429 Too Many Requests. Another integration may be "
                "using the same account's limit; wait, then run the same command again (it resumes)."
            )
        self._pause(self._retry_after(response), "429 Too Many Requests")

    def _retry_after(self, response: httpx.Response) -> float:
        wait: Any = None
        try:
            wait = response.json().get("retry_after")
        except (ValueError, AttributeError):
            pass  # an HTML page from the gateway: no number to read
        if wait is None:
            wait = response.headers.get("Retry-After")
        try:
            seconds = float(wait)
        except (TypeError, ValueError):
            seconds = self.retry.default_retry_after
        return min(max(seconds, 0.0), self.retry.max_retry_after)

    def _pause(self, seconds: float, reason: str) -> None:
        self.stats.waited += seconds
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self._sleep(seconds)

    def _result(self, response: httpx.Response, method: str, path: str) -> Any:
        status = response.status_code
        if status == 204:
            return None
        if status < 300:
            try:
                return response.json() if response.content else None
            except ValueError:
                raise AmoApiError(f"{method} {path} answered {status} with a body that is not JSON.") from None
        raise self._failure(response, method, path)

    def _failure(self, response: httpx.Response, method: str, path: str) -> AmoApiError:
        status, where = response.status_code, f"{method} {path}"
        body = _json_or_none(response)
        detail = self.secrets.scrub((body or {}).get("detail") or (body or {}).get("title") or "")[:300]
        if status == 401:
            return AmoApiError("AmoCRM refused the token (401 Unauthorized): it is wrong, expired or revoked. "
                               + TOKEN_HELP)  # fmt: skip
        if status == 402:
            return AmoApiError(
                "AmoCRM answered 402 Payment Required: the account's subscription is unpaid or expired. Pay for "
                "the account (amoCRM → Settings → Billing), then run the same command again — it resumes."
            )
        if status == 403:
            return Forbidden(
                f"AmoCRM answered 403 Forbidden to {where}: either the token's user lacks the rights for it "
                "(ask an account administrator for them, or use an administrator's token), or the account or "
                "this IP address is blocked for exceeding the API limits — then contact AmoCRM support to lift "
                "the block. Run the same command again afterwards; it resumes."
            )
        if status == 400 and isinstance(body, dict) and "validation-errors" in body:
            return ValidationFailed(f"{where}: AmoCRM rejected the data ({detail}).",
                                    _validation(body, self.secrets.scrub))  # fmt: skip
        return AmoApiError(f"{where} failed: HTTP {status}" + (f" — {detail}" if detail else "") + ".")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _validation(body: dict[str, Any], scrub: Callable[[object], str]) -> dict[str, list[tuple[str, str, str]]]:
    """request_id → [(code, path, detail)], every text scrubbed: a server may echo what it was sent."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for group in body.get("validation-errors") or []:
        rid = group.get("request_id")
        rids = rid if isinstance(rid, list) else [rid]
        for r in rids:
            out.setdefault(str(r), []).extend(
                (scrub(e.get("code") or "")[:200], scrub(e.get("path") or "")[:200], scrub(e.get("detail") or "")[:300])
                for e in group.get("errors") or []
            )
    return out
