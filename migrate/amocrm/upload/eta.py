"""The upload's progress bar, with an ETA computed from the pacing rather than guessed from the past.

tqdm's own ETA extrapolates the rate seen so far, which is wrong at the start (the first batch looks
instant) and after a 429 pause. Here the remaining time is the requests still to make × the pacer's
period (or the observed time per request, if slower): an upload of N rows needs about
ceil(N / 50) + note batches requests, and the pacer allows one every 1/7 s at most.
"""

from __future__ import annotations

import math
import sys
import time

from tqdm import tqdm

BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"  # tqdm puts ", " before the postfix


class UploadProgress:
    """Rows done out of rows to send; `request()` counts API calls, `waiting()` explains a stall."""

    def __init__(self, enabled: bool, rows: int, requests: int, period: float) -> None:
        self.rows, self.requests_left, self.period = rows, requests, period
        self.started = time.monotonic()
        self.made = 0
        self._bar = None
        if enabled and rows:
            self._bar = tqdm(total=rows, desc="uploading", unit="row", file=sys.stderr, disable=None, leave=False,
                             dynamic_ncols=True, bar_format=BAR)  # fmt: skip
            self._show()

    def eta(self) -> float:
        """Seconds left: remaining requests × max(pacing period, observed seconds per request)."""
        per = self.period
        if self.made >= 5:
            per = max(per, (time.monotonic() - self.started) / self.made)
        return max(self.requests_left, 0) * per

    def request(self, rows: int = 0) -> None:
        self.made += 1
        self.requests_left -= 1
        if self._bar is not None:
            self._bar.update(rows)
            self._show()

    def add_requests(self, n: int) -> None:
        """More requests than planned (a batch split after a refusal, a lookup after a lost answer)."""
        self.requests_left += n

    def waiting(self, seconds: float, reason: str) -> None:
        if self._bar is not None and seconds >= 0.5:
            self._bar.set_postfix_str(f"waiting {seconds:.0f} s ({reason})")

    def _show(self) -> None:
        if self._bar is not None:
            left = self.eta()
            self._bar.set_postfix_str(f"~{_clock(left)} left at ≤{1 / self.period:.1f} req/s")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _clock(seconds: float) -> str:
    s = int(math.ceil(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
