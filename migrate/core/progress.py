"""Progress bars on stderr: tqdm when a person is watching, nothing otherwise.

`quiet=True` silences them; so does a stderr that is not a terminal (tqdm's `disable=None`), so logs and
CI output never fill with carriage returns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm


class Progress:
    """One bar per stage. `stage(desc, total)` returns a `tick(n)` callable; `close()` ends the bar."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm | None = None

    def stage(self, desc: str, total: int | None, unit: str = "it") -> Callable[[int], object]:
        """A new bar (the previous one closed); `total=None` counts without an end (rows of a stream)."""
        self.close()
        if not self.enabled:
            return lambda n: None
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False,
                         dynamic_ncols=True)  # fmt: skip
        return self._bar.update

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
