"""SourceUser: one employee as the source system lists them (Bitrix24 `user.get`, Megaplan employees, a sheet).

Why in core: the readers (sources/users.py) make them and the team plan (drafting/team.py) uses them, and
neither layer may import the other's. Every field is plain text or a flag, so a hand-written sheet and an
API dump look the same downstream.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceUser:
    """An employee of the old system. `id` is the source system's user ID ("" when a sheet has none): the
    owner column of a REST dump holds it (ASSIGNED_BY_ID "15"). `role` and `admin` come only from a sheet
    that names them; otherwise the role template's rules decide."""

    id: str
    name: str
    email: str = ""
    active: bool = True
    department: str = ""
    position: str = ""
    role: str = ""
    admin: bool | None = None
