"""Open an editing session from what a notebook has at hand: paths or names, or ready objects.

The source is read once, here; every later edit re-validates the table in memory. With no profile, the
`init` draft is the starting point (the same draft `amomigrate init` writes), and its per-column match
notes ("synonym 100", "fuzzy 90") travel with the session so Save can write them back as comments.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..core.profile import Profile, load_profile
from ..core.schema import AccountSchema, load_schema
from ..core.table import SourceTable
from ..drafting.draft import draft_profile
from ..drafting.inspection import guess_entity
from ..sources import read_table
from .session import EditSession

SourceLike = SourceTable | str | Path
ProfileLike = Profile | str | Path | None
SchemaLike = AccountSchema | str | Path | None


def open_session(source: SourceLike, profile: ProfileLike = None, schema: SchemaLike = None, *,
                 sheet: str | None = None, entity: str | None = None) -> EditSession:  # fmt: skip
    """An EditSession over `source` with `profile` (None: the drafted one) against `schema` (None: the
    bundled default account). Raises the usual SourceError/ProfileError/SchemaError for bad inputs."""
    sch = schema if isinstance(schema, AccountSchema) else load_schema(schema)
    # the editor edits its own copy: a Profile passed in stays as it was until the caller takes editor.profile
    prof = copy.deepcopy(profile) if isinstance(profile, Profile) or profile is None else load_profile(profile)
    table = _read(source, prof, sheet)
    if prof is not None:
        return EditSession(table, sch, prof)
    draft = draft_profile(table, sch, entity or guess_entity(table, sch)[0])
    notes = {m.source: f"{m.how} {m.score:.0f}" for m in draft.matches if m.target}
    return EditSession(table, sch, draft.profile, notes)


def _read(source: SourceLike, profile: Profile | None, sheet: str | None) -> SourceTable:
    if isinstance(source, SourceTable):
        return source
    opts = profile.source if profile is not None else {}
    return read_table(source, sheet=sheet or opts.get("sheet"), kind="auto", header_row=opts.get("header_row"),
                      encoding=opts.get("encoding"), delimiter=opts.get("delimiter"))  # fmt: skip
