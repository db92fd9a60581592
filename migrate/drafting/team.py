"""The team plan: who will work in the AmoCRM account, with which role, group and admin flag, and who
inherits the records of people who left.

Why: an account is set up around people before any record is imported — the owner of every deal must be
an active user. The data names the owners; the source system's employee list (`--users`) adds their
e-mails, departments and positions, and says who is no longer active. A person who left but still owns
records is listed apart with a proposed heir (the most active colleague of the same department, i.e. the
one owning the most records here), and the owners map moves those records to the heir.

Pure code over the mapped table, the account schema, the employees and the role template (roles.py);
`amocrm/setup_team.py` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core.mapping import MappedTable
from ..core.people import SourceUser
from ..core.profile import Profile
from ..core.schema import AccountSchema, User
from ..quality.fuzzy import name_key, normalise
from .roles import ENTITIES, RoleTemplate

EXISTS, TO_ADD, INACTIVE, INACTIVE_ACCOUNT = "exists", "to add", "inactive in source", "inactive in account"
GONE = (INACTIVE, INACTIVE_ACCOUNT)
TEAM, LEFT, ROLES = "Команда", "Неактивные", "Роли"


@dataclass
class Member:
    """One person of the team. `account_name` is their name in the account when they exist there."""

    name: str
    email: str = ""
    group: str = ""
    role: str = ""
    admin: bool = False
    status: str = TO_ADD
    records: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENTITIES, 0))
    owner_texts: list[str] = field(default_factory=list)
    source_id: str = ""
    account_name: str | None = None
    heir: str | None = None
    why: str = ""

    @property
    def total(self) -> int:
        return sum(self.records.values())

    @property
    def target_name(self) -> str:
        return self.account_name or self.name


@dataclass
class TeamPlan:
    members: list[Member]
    template: RoleTemplate
    notes: list[str] = field(default_factory=list)
    sourced: bool = False  # the source system's users were given (`--users`), not only the owners in the data

    def member(self, name: str | None) -> Member | None:
        return next((m for m in self.members if m.name == name), None) if name else None

    def to_add(self) -> list[Member]:
        return [m for m in self.members if m.status == TO_ADD]

    def roles_used(self) -> list[str]:
        used = {m.role for m in self.members if m.status not in GONE}
        return [r for r in self.template.roles if r in used]

    def groups(self) -> list[str]:
        return list(dict.fromkeys(m.group for m in self.members if m.group and m.status not in GONE))

    def owners_map(self) -> dict[str, str]:
        """Owner text in the data → the name of the user who should own those records in AmoCRM (the heir
        for a person who left). Only texts that would not resolve by themselves."""
        out: dict[str, str] = {}
        for m in self.members:
            target = self.member(m.heir) if m.status in GONE else m
            if target is None:
                continue
            for text in m.owner_texts:
                if text != target.target_name:
                    out[text] = target.target_name
        return out

    def sections(self) -> dict[str, pd.DataFrame]:
        return {TEAM: self.frame(), LEFT: self.left_frame(), ROLES: self.roles_frame()}

    def frame(self) -> pd.DataFrame:
        columns = ["name", "email", "group", "role", "admin", *ENTITIES, "status", "heir", "in_data_as", "source_id"]
        rows = [[m.name, m.email, m.group, m.role, m.admin, *(m.records[e] for e in ENTITIES), m.status, m.heir or "",
                 ", ".join(m.owner_texts), m.source_id] for m in self.members]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def left_frame(self) -> pd.DataFrame:
        """People who are no longer active but own records here, with their heir."""
        columns = ["name", "group", "status", "records", *ENTITIES, "heir", "in_data_as"]
        rows = [[m.name, m.group, m.status, m.total, *(m.records[e] for e in ENTITIES), m.heir or "",
                 ", ".join(m.owner_texts)] for m in self.members if m.status in GONE and m.total]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def roles_frame(self) -> pd.DataFrame:
        columns = ["role", "users", "rights", "stage_rights"]
        rows = []
        for name, role in self.template.roles.items():
            users = sum(1 for m in self.members if m.role == name and m.status not in GONE)
            stages = "; ".join(f"{s.pipeline} / {s.stage}: " + " ".join(f"{a} {v}" for a, v in s.rights.items())
                               for s in role.stages)  # fmt: skip
            rows.append([name, users, role.summary(), stages])
        return pd.DataFrame(rows, columns=columns)


# --- building it --------------------------------------------------------------------------------------------


def owner_counts(mapped: MappedTable, profile: Profile) -> dict[str, dict[str, int]]:
    """Owner text → records owned per entity, over every owner column (a leads file's contact and company
    owner columns count for contacts and companies)."""
    out: dict[str, dict[str, int]] = {}
    for source, spec in profile.mapped().items():
        target = mapped.targets.get(spec.field)
        if source not in mapped.table.frame.columns or not (spec.owner or (target and target.type == "user")):
            continue
        entity = target.entity if target is not None and target.entity in ENTITIES else mapped.entity
        values = mapped.table.frame[source].str.strip()
        for text, n in values[values != ""].value_counts(sort=False).items():
            out.setdefault(str(text), dict.fromkeys(ENTITIES, 0))[entity] += int(n)
    return out


class _Index:
    """Finds a person by source ID, e-mail or name in any word order."""

    def __init__(self) -> None:
        self.by_id: dict[str, Member] = {}
        self.by_email: dict[str, Member] = {}
        self.by_name: dict[str, Member] = {}

    def add(self, m: Member) -> None:
        if m.source_id:
            self.by_id.setdefault(m.source_id, m)
        if m.email:
            self.by_email.setdefault(m.email.casefold(), m)
        if m.name:
            self.by_name.setdefault(name_key(m.name), m)

    def find(self, text: str) -> Member | None:
        text = text.strip()
        return self.by_id.get(text) or self.by_email.get(text.casefold()) or self.by_name.get(name_key(text))


def _account_user(schema: AccountSchema, email: str, name: str) -> User | None:
    if email:
        hit = next((u for u in schema.users if u.email and u.email.casefold() == email.casefold()), None)
        if hit is not None:
            return hit
    key = name_key(name)
    return next((u for u in schema.users if name_key(u.name) == key), None) if key else None


def plan_team(mapped: MappedTable, profile: Profile, schema: AccountSchema, users: list[SourceUser] | None,
              template: RoleTemplate) -> TeamPlan:  # fmt: skip
    """The team: the source's employees (when given) plus every owner the data names, each with a role,
    group, admin flag, records owned and status; heirs for those who left."""
    index, members = _Index(), []
    for u in users or []:
        role, admin, why = template.decide(u)
        m = Member(u.name, u.email, u.department, role, admin, TO_ADD if u.active else INACTIVE, source_id=u.id,
                   why=why)  # fmt: skip
        members.append(m)
        index.add(m)
    notes: list[str] = []
    for text, counts in owner_counts(mapped, profile).items():
        mapped_to = profile.owners.get(text)
        m = index.find(text) or (index.find(str(mapped_to)) if mapped_to is not None else None)
        if m is None:
            found = _account_user(schema, "", str(mapped_to) if mapped_to is not None else text)
            if found is None and schema.users and mapped_to is None:
                found = next((u for u in schema.users if str(u.id) == text or (u.email or "").casefold() ==
                              text.casefold()), None)  # fmt: skip
            name = found.name if found else " ".join(text.split())
            role, admin, why = template.decide(SourceUser("", name))
            m = index.find(name) or Member(name, (found.email or "") if found else "", "", role, admin, why=why)
            if m not in members:
                members.append(m)
                index.add(m)
        m.records = {e: m.records[e] + counts[e] for e in ENTITIES}
        m.owner_texts.append(text)
    for m in members:
        found = _account_user(schema, m.email, m.name)
        if found is not None:
            m.account_name, m.email = found.name, m.email or (found.email or "")
            if m.status == TO_ADD:
                m.status = EXISTS if found.active else INACTIVE_ACCOUNT
    members = members[: len(users or [])] + sorted(members[len(users or []) :], key=lambda m: -m.total)
    propose_heirs(members, notes)
    if users is None:
        notes.append("The team is drawn from the owners the data names only: give the source system's users "
                     "(--users FILE) for e-mails, departments, positions and who has left.")  # fmt: skip
    no_mail = [m.name for m in members if m.status == TO_ADD and not m.email]
    if no_mail:
        notes.append(f"{len(no_mail)} people to add have no e-mail (AmoCRM needs one to add a user): "
                     + ", ".join(no_mail[:10]) + ("…" if len(no_mail) > 10 else ""))  # fmt: skip
    return TeamPlan(members, template, notes, users is not None)


def propose_heirs(members: list[Member], notes: list[str]) -> None:
    """Each person who left but owns records gets the most active colleague of the same group (most records
    here; the first listed on a tie), else the most active person of the whole team."""
    active = [m for m in members if m.status not in GONE]
    order = {id(a): i for i, a in enumerate(active)}
    by_group: dict[str, list[Member]] = {}
    for a in active:
        by_group.setdefault(normalise(a.group), []).append(a)
    for m in (m for m in members if m.status in GONE and m.total):
        same = by_group.get(normalise(m.group), []) if m.group else []
        pool = same or active
        if not pool:
            notes.append(f"{m.name!r} owns {m.total} records but nobody active is left to inherit them.")
            continue
        heir = max(pool, key=lambda a: (a.total, -order[id(a)]))
        m.heir = heir.name
        if not same:
            why = f"nobody active is left in {m.group!r}" if m.group else "no group is known"
            notes.append(f"{m.name!r}: {why}, so the heir proposed is the most active user overall, {heir.name!r}.")
