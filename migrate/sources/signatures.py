"""Which system wrote a table, told from its header set alone.

A Bitrix24 grid exported as CSV or as an "Excel" workbook, or a Megaplan list saved from its UI, carries
no mark of its origin but its column captions. Each system and entity has captions nobody else writes
(«Тип контакта», «Номер пейджера», «Группа стадий», «Схема сделки», «Канал привлечения» …); a table that
holds at least two of one signature is that system's export. Headers are compared folded (NBSP, case,
ё), as profile keys are.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.headerfold import fold_header, typed
from .bitrix24 import guess_entity

#: (system, entity hint, captions only that export writes); checked in order, the most hits wins
SIGNATURES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("bitrix24", "lead", frozenset({"Название лида", "Повторный лид", "Дополнительно о статусе"})),
    ("bitrix24", "deal", frozenset({"Стадия сделки", "Группа стадий", "Повторная сделка", "Сделка закрыта",
                                    "Предполагаемая дата закрытия", "Повторное обращение"})),
    ("bitrix24", "company", frozenset({"Название компании", "Тип компании", "Сфера деятельности", "Годовой оборот",
                                       "Кол-во сотрудников", "Компания продавец", "Кем создана"})),
    ("bitrix24", "contact", frozenset({"Тип контакта", "Обращение", "Номер пейджера", "Телефон для рассылок",
                                       "Контакт Telegram", "Создан CRM-формой", "Кем создан"})),
    ("megaplan", "deal", frozenset({"Схема сделки", "Суть", "Телефон клиента", "E-mail клиента"})),
    ("megaplan", "contact", frozenset({"ФИО", "Телефон (мобильный)", "Канал привлечения", "Другие ответственные"})),
    ("megaplan", "company", frozenset({"Контактные лица", "Телефон (мобильный)", "Канал привлечения",
                                       "Другие ответственные", "Вид деятельности"})),
)  # fmt: skip
_FOLDED = tuple((system, entity, frozenset(map(fold_header, marks))) for system, entity, marks in SIGNATURES)
MIN_HITS = 2


def identify(headers: Iterable[str]) -> tuple[str, str] | None:
    """(system, entity hint) of the export whose signature the headers match best (≥ 2 captions), else None.
    A Megaplan client list with «ФИО» is a list of people, without it one of companies."""
    headers = list(headers)
    have = {fold_header(h) for h in headers}
    hits = [(len(marks & have), -n, system, entity) for n, (system, entity, marks) in enumerate(_FOLDED)]
    best = max(hits)
    if best[0] < MIN_HITS:
        return None
    system, entity = best[2], best[3]
    if system == "bitrix24":  # a lead export shares most captions with contacts: its own words decide
        entity = guess_entity([typed(h) for h in headers]) or entity
    if system == "megaplan" and entity in ("contact", "company"):
        entity = "contact" if fold_header("ФИО") in have else "company"
    return system, entity
