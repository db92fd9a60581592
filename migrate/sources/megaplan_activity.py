"""Megaplan API v3 comments and tasks → rows, and the typed references a whole-base run links by.

⚠ Inferred shapes (sources.md §3.2 lists Task's name, status, responsible, owner, deadline, statement;
Comment is not described there): a Comment is `{contentType: "Comment", id, content (HTML), owner
(Employee), timeCreated, subject: {contentType: "Deal", id}}`; a Task is `{contentType: "Task", id, name,
statement (HTML), responsible (Employee), deadline (DateTime), status, timeCreated, relations[]/subject}`.
What a task or comment is attached to becomes «Связь»: each reference as `<contentType>:<id>`
("Deal:5, ContractorHuman:12"), so the profile's `prefixes` (data, not code) decide which entity each is.

References for the base: «ID компании» (a person's company), «ID клиента» (a deal's client, typed:
the client is a company or a person) and «ID контактного лица» (a deal's contact person).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .megaplan_values import html_text, items_of, name_of, text

COMMENT, TASK = "Comment", "Task"
COMMENT_COLUMNS = ("ID", "Текст", "Автор", "Дата создания", "Связь")
TASK_COLUMNS = (
    "ID", "Название", "Суть", "Ответственный", "Срок", "Статус", "Дата создания", "Связь",
)  # fmt: skip


def ref_id(ref: Any) -> str:
    """A linked object's id ("" when absent)."""
    return text(ref.get("id")) if isinstance(ref, Mapping) else ""


def typed_ref(ref: Any) -> str:
    """`<contentType>:<id>` of a linked object ("" when it has no id)."""
    if not isinstance(ref, Mapping) or ref.get("id") is None:
        return ""
    return f"{text(ref.get('contentType')) or 'Unknown'}:{text(ref.get('id'))}"


def _relations(r: Mapping[str, Any]) -> str:
    refs = [r.get("subject"), *items_of(r.get("relations")), *items_of(r.get("links"))]
    found = [typed_ref(x) for x in refs]
    return ", ".join(dict.fromkeys(f for f in found if f))


def flatten_comment(r: Mapping[str, Any]) -> dict[str, str]:
    return {
        "ID": text(r.get("id")),
        "Текст": html_text(text(r.get("content") or r.get("text"))),
        "Автор": name_of(r.get("owner") or r.get("author")),
        "Дата создания": text(r.get("timeCreated")),
        "Связь": _relations(r),
    }


def flatten_task(r: Mapping[str, Any]) -> dict[str, str]:
    return {
        "ID": text(r.get("id")),
        "Название": text(r.get("name")),
        "Суть": html_text(text(r.get("statement") or r.get("textStatement"))),
        "Ответственный": name_of(r.get("responsible")),
        "Срок": text(r.get("deadline")),
        "Статус": text(r.get("status")),
        "Дата создания": text(r.get("timeCreated")),
        "Связь": _relations(r),
    }
