"""`--dry-run DIR`: the upload's exact requests written as files, nothing sent.

Why a stand-in client rather than a flag inside the uploader: the uploader then runs its one code path —
same batches, same tags, same payloads — and only the transport differs. Each write becomes
`DIR/NNNN-<path>.json` (the JSON body, byte for byte what would be POSTed) and is answered with made-up
*negative* IDs, so later requests that need an ID (notes name the record they belong to) show a
placeholder there: a real ID exists only once AmoCRM has created the record. Reads (only `--match-existing`
makes any) go to the real account when credentials were given, else see an empty account.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from ..client import AmoClient, Pacer, Stats


class DryRunClient:
    """Quacks like AmoClient for the uploader; writes instead of sending."""

    def __init__(self, folder: Path, reader: AmoClient | None = None, rate: float = 7.0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("[0-9][0-9][0-9][0-9]-*.json"):
            old.unlink()  # a previous dry run's files would be mistaken for this one's
        self.reader = reader
        self.base_url = reader.base_url if reader else "dry-run"
        self.pacer = Pacer(rate)
        self.stats = Stats()
        self.on_wait = None
        self.files: list[Path] = []
        self._n = itertools.count(1)
        self._ids = itertools.count(-1, -1)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.reader.get(path, params) if self.reader else None

    def pages(self, path: str, key: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.reader.pages(path, key, params, **kw) if self.reader else iter(())

    def post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        name = path.removeprefix("/api/v4/").replace("/", "-")
        out = self.folder / f"{next(self._n):04d}-{name}.json"
        out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.files.append(out)
        self.stats.requests += 1
        return self._answer(path, body)

    def _answer(self, path: str, body: list[dict[str, Any]]) -> Any:
        if path.endswith("/leads/complex"):
            return [
                {"id": next(self._ids), "request_id": [it.get("request_id")], "merged": False,
                 "contact_id": self._part(it, "contacts"), "company_id": self._part(it, "companies")}
                for it in body
            ]  # fmt: skip
        entity = path.rstrip("/").split("/")[-1]
        key = "notes" if entity == "notes" else entity
        made = [{"id": next(self._ids), "request_id": it.get("request_id"), "entity_id": it.get("entity_id")}
                for it in body]  # fmt: skip
        return {"_embedded": {key: made}}

    def _part(self, item: dict[str, Any], entity: str) -> int | None:
        refs = (item.get("_embedded") or {}).get(entity) or []
        if not refs:
            return None
        return refs[0].get("id") or next(self._ids)

    def close(self) -> None:
        if self.reader:
            self.reader.close()
