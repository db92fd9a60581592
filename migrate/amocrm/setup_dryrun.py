"""Where `plan --apply` sends its requests: the account's client, or a folder of JSON files (`--dry-run`).

Both answer `request(method, path, body=...)` the same way, so the steps in `setup.py` never know which
one they talk to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.issues import AmoApiError
from .client import AmoClient


class DryRunSender:
    """Writes each request's JSON body to a file and answers with made-up negative ids, so later requests
    that need an id (a rule naming a new stage) show a placeholder: a real id exists only once AmoCRM made it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("[0-9][0-9][0-9][0-9]-*.json"):
            old.unlink()  # a previous dry run's files would be mistaken for this one's
        self.files: list[Path] = []
        self._ids = iter(range(-1, -(10**9), -1))

    def request(self, method: str, path: str, *, body: Any = None, **_: Any) -> Any:
        name = path.removeprefix("/api/v4/").replace("/", "-")
        out = self.folder / f"{len(self.files) + 1:04d}-{method}-{name}.json"
        out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.files.append(out)
        key = path.rstrip("/").rsplit("/", 1)[-1]  # statuses, custom_fields, roles, users
        return {"_embedded": {key: [self._made(item) for item in body]}}

    def _made(self, item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "id": next(self._ids), "enums": [{**e, "id": next(self._ids)} for e in item.get("enums") or []]}


def sender_for(client: AmoClient | None, dry_run_dir: Path | None) -> Any:
    if dry_run_dir is not None:
        return DryRunSender(dry_run_dir)
    if client is None:
        raise AmoApiError("Applying the plan needs the account: --subdomain or --base-url (or --dry-run DIR).")
    return client
