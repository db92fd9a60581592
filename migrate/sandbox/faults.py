"""The sandbox's hostile side: the rate limit, the API block, and injected faults — and the request log
that lets tests measure them.

Why these rules: the real service answers more than 7 requests in a second with 429 (sometimes as an HTML
page from its gateway), blocks an account that keeps doing it (403 on everything), and like any service it
fails with 5xx, answers slowly, or drops a connection — sometimes after it saved the write, which is the
crash case an uploader's journal has to survive (amocrm.md §2.2, DESIGN.md "The upload").
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass

#: fault kinds, as RequestLog.fault shows them
RATE, BLOCKED, F429, F429_HTML, F5XX, DROP_BEFORE, DROP_AFTER = (
    "rate", "blocked", "429", "429-html", "5xx", "drop-before", "drop-after",
)  # fmt: skip
_GATEWAY_ERRORS = (500, 502, 503, 504)


@dataclass(frozen=True)
class RequestLog:
    """One request as the sandbox saw it. `time` is `time.monotonic()` on arrival; `status` is None when the
    connection was dropped without an answer; `fault` names what the sandbox did to it (None: served)."""

    method: str
    path: str
    status: int | None
    time: float
    fault: str | None = None
    query: str = ""


class RateLimiter:
    """More than `limit` requests in any rolling `window` seconds are refused.

    Every arrival counts, refused ones too, so a client that ignores 429 stays refused; `limit <= 0` turns
    the limiter off. The window is half-open (t - window, t]: requests paced exactly 1/limit s apart pass.
    """

    def __init__(self, limit: float, window: float = 1.0) -> None:
        self.limit, self.window = limit, window
        self._arrivals: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self, now: float) -> bool:
        if self.limit <= 0:
            return True
        with self._lock:
            while self._arrivals and self._arrivals[0] <= now - self.window:
                self._arrivals.popleft()
            self._arrivals.append(now)
            return len(self._arrivals) <= self.limit


@dataclass(frozen=True)
class Fault:
    kind: str | None = None
    status: int | None = None
    latency_s: float = 0.0


class Faults:
    """Per-request fault draws from one seeded RNG, so a run with a seed is reproducible.

    One draw decides between 429, 5xx, drop and none, so each rate is what was asked. Which 429 comes as
    HTML and which dropped write is dropped after applying alternate, so both kinds show up in short runs.
    """

    def __init__(self, *, fail_429: float = 0, fail_5xx: float = 0, drop: float = 0, latency_ms: int = 0,
                 seed: int | None = None) -> None:  # fmt: skip
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._n429 = self._ndropped_writes = 0
        self.fail_429 = self.fail_5xx = self.drop = 0.0
        self.latency_ms = 0
        self.set(fail_429=fail_429, fail_5xx=fail_5xx, drop=drop, latency_ms=latency_ms)

    def set(self, *, fail_429: float | None = None, fail_5xx: float | None = None, drop: float | None = None,
            latency_ms: int | None = None) -> None:  # fmt: skip
        rates = {"fail_429": fail_429, "fail_5xx": fail_5xx, "drop": drop}
        new = {k: getattr(self, k) if v is None else float(v) for k, v in rates.items()}
        if any(not 0 <= p <= 1 for p in new.values()) or sum(new.values()) > 1:
            raise ValueError(f"fault probabilities must be within 0..1 and sum to at most 1, got {new}")
        if latency_ms is not None and latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        with self._lock:
            for k, v in new.items():
                setattr(self, k, v)
            if latency_ms is not None:
                self.latency_ms = int(latency_ms)

    def draw(self, *, write: bool) -> Fault:
        with self._lock:
            latency = self.latency_ms / 1000
            r = self._rng.random()
            if r < self.fail_429:
                self._n429 += 1
                return Fault(F429_HTML if self._n429 % 2 == 0 else F429, 429, latency)
            r -= self.fail_429
            if r < self.fail_5xx:
                return Fault(F5XX, self._rng.choice(_GATEWAY_ERRORS), latency)
            r -= self.fail_5xx
            if r < self.drop:
                if not write:
                    return Fault(DROP_BEFORE, None, latency)
                self._ndropped_writes += 1
                return Fault(DROP_AFTER if self._ndropped_writes % 2 else DROP_BEFORE, None, latency)
            return Fault(None, None, latency)


class Block:
    """After `after` rate-limit violations every request gets 403 until `clear()` (support unblocks it)."""

    def __init__(self, after: int | None) -> None:
        self.after, self.violations, self.blocked = after, 0, False
        self._lock = threading.Lock()

    def violation(self) -> None:
        with self._lock:
            self.violations += 1
            if self.after is not None and self.violations >= self.after:
                self.blocked = True

    def clear(self) -> None:
        with self._lock:
            self.violations, self.blocked = 0, False
