"""Roles in value maps: a profile's way to name "the won stage" or "the main pipeline" of *any* account.

A built-in profile cannot know the account's names: a fresh Russian account calls the won stage «Успешно
реализовано», a Kommo account in Portuguese "Venda ganha", and a user may have renamed either. So a value
map may target a role, resolved against the account schema when the file is mapped:

- `@main` (pipeline column): the main pipeline (`is_main`, else the first);
- `@won` / `@lost` (stage column): the system stages 142 / 143 of the row's pipeline;
- `@first` (stage column): the first working stage — the first after the unsorted one («Неразобранное»,
  `type: 1`), not 142/143;
- `@first+N`: the N-th working stage after the first, or the last working stage when the pipeline has
  fewer (how a profile written for the default pipeline's stage order keeps meaning on another account).

The import file and the upload get the account's own name or id, never the role.
"""

from __future__ import annotations

import re

from .schema import SYSTEM_STATUSES, AccountSchema, Pipeline, Status

WON, LOST = 142, 143
UNSORTED = 1
_STAGE_ROLE = re.compile(r"@first(?:\+(\d{1,2}))?")


def is_role(text: str) -> bool:
    return text.strip().startswith("@")


def role_pipeline(schema: AccountSchema, role: str) -> Pipeline | None:
    """The pipeline a pipeline role names, or None for an unknown role."""
    return schema.main_pipeline if role.strip() == "@main" else None


def working_stages(pipeline: Pipeline) -> list[Status]:
    """The stages a deal is worked in: neither the unsorted stage nor won/lost, in the pipeline's order."""
    return [s for s in pipeline.statuses if s.type != UNSORTED and s.id not in SYSTEM_STATUSES]


def role_stage(pipeline: Pipeline, role: str) -> Status | None:
    """The stage of `pipeline` a stage role names, or None (unknown role, or the pipeline lacks it)."""
    text = role.strip()
    if text in ("@won", "@lost"):
        wanted = WON if text == "@won" else LOST
        return next((s for s in pipeline.statuses if s.id == wanted), None)
    m = _STAGE_ROLE.fullmatch(text)
    if m is None:
        return None
    work = working_stages(pipeline)
    if not work:
        return None
    return work[min(int(m.group(1) or 0), len(work) - 1)]
