"""Wiring for `schema pull` and `upload`: credentials → client, source identity → journal, files out.

Kept apart from upload.py so the uploader stays a pure "rows in, journal and IDs out" machine and this is
the one place that decides file names, defaults and which account a journal belongs to.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ...core.issues import MigrateError
from ...core.mapping import MappedTable
from ...core.paths import guard_outputs, write_text_atomic
from ...core.profile import Profile
from ...core.report import Report
from ...core.schema import AccountSchema
from ...core.table import SourceTable
from ..auth import token_from_env
from ..client import DEFAULT_DOMAIN, MAX_RATE, AmoClient, RetryPolicy, base_url_for
from ..pull import pull_schema
from .dryrun import DryRunClient
from .journal import Journal
from .results import UploadResult
from .uploader import Uploader, UploadOptions, run_tag_for


def open_client(subdomain: str | None = None, *, domain: str = DEFAULT_DOMAIN, base_url: str | None = None,
                rate: float = MAX_RATE, token_file: str | Path | None = None, env: Mapping[str, str] | None = None,
                retry: RetryPolicy | None = None, timeout: float = 60.0) -> AmoClient:  # fmt: skip
    """A paced client for the account, with the token the environment gives (never a command-line value)."""
    url = base_url_for(subdomain, domain, base_url)
    return AmoClient(url, token_from_env(env, token_file), rate=rate, retry=retry, timeout=timeout)


def pull_to(client: AmoClient, out: str | Path | None, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Pull the account schema and, if `out` is given, write it (only after it validated)."""
    data = pull_schema(client, warn=warn)
    if out:
        write_text_atomic(out, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return data


def content_hash(table: SourceTable) -> str:
    """The source's identity: its cells and headers, so the same data read from anywhere resumes alike."""
    h = hashlib.sha256("\x1f".join(table.columns).encode())
    h.update(pd.util.hash_pandas_object(table.frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def profile_hash(profile: Profile) -> str:
    return hashlib.sha256(json.dumps(profile.to_dict(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def default_paths(source: Path) -> dict[str, Path]:
    """Beside the source: `<name>.journal.sqlite`, `<stem>.uploaded.xlsx`, `<stem>.upload-errors.xlsx`."""
    return {
        "journal": source.with_name(source.name + ".journal.sqlite"),
        "success": source.with_name(source.stem + ".uploaded.xlsx"),
        "errors": source.with_name(source.stem + ".upload-errors.xlsx"),
    }


def upload_mapped(
    mapped: MappedTable,
    report: Report,
    schema: AccountSchema,
    profile: Profile,
    *,
    client: AmoClient | None,
    journal: str | Path | None = None,
    dry_run: str | Path | None = None,
    success: str | Path | None = None,
    errors: str | Path | None = None,
    options: UploadOptions | None = None,
    warn: Callable[[str], None] | None = None,
) -> UploadResult:
    """Upload the rows of `mapped` that `report` accepts; write the success and error workbooks."""
    table = mapped.table
    defaults = default_paths(Path(table.path))
    identity = {"source": content_hash(table), "profile": profile_hash(profile), "layout": mapped.entity}
    if client is not None:
        identity["account"] = client.base_url
    run_tag = run_tag_for(identity["source"], identity["profile"])
    options = options or UploadOptions()
    sender: Any = client
    if dry_run is not None:
        options.dry_run = True
        sender = DryRunClient(Path(dry_run), client if options.match_existing else None,
                              client.pacer.rate if client else MAX_RATE)  # fmt: skip
    elif client is None:
        raise MigrateError("An upload needs the account: --subdomain or --base-url (or --dry-run DIR).")
    jpath = Path(journal) if journal else defaults["journal"]
    ok_path = Path(success) if success else defaults["success"]
    err_path = Path(errors) if errors else defaults["errors"]
    inputs = [("source", table.path), ("profile", profile.path), ("account schema", _file(schema.source))]
    guard_outputs(inputs, [("upload journal", jpath)])
    if dry_run is None:
        outputs = [("success workbook", ok_path), ("errors workbook", err_path)]
        guard_outputs([*inputs, ("upload journal", jpath)], outputs)
    book = Journal(jpath, identity, snapshot=dry_run is not None)
    try:
        result = Uploader(mapped, report, schema, sender, book, run_tag, options, warn).run()
    except sqlite3.DatabaseError as e:  # the disk filled up, or the file was changed under the run
        raise MigrateError(f"Journal {jpath} could not be written ({e}); the run stopped. Free the disk and run "
                           "the same command again: it resumes from what the journal recorded.") from None  # fmt: skip
    finally:
        book.close()
    if dry_run is not None:
        result.outputs["payloads"] = list(sender.files)
    else:
        result.outputs["journal"] = [jpath]
        result.write(table, ok_path, err_path)
    return result


def _file(name: str | None) -> Path | None:
    """A schema's `source` names a file when it was loaded from one ("default", "pulled …" otherwise)."""
    return Path(name) if name and Path(name).is_file() else None


def env_has_credentials(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("AMOCRM_TOKEN") or env.get("AMOCRM_REFRESH_TOKEN") or env.get("AMOCRM_CLIENT_ID"))
