"""Fields named by id (`Produto Adquirido (id 1883523)`): what the import file can say about them.

A profile names a custom field by id when the account has two fields with its name (core/schema.py). The
upload sends the id, so it reaches the right one. The import file can only carry a header, and the
importer matches headers by name: it cannot tell the two fields apart. So the export writes the plain name
and says so, with the remedy (rename one in the account, or upload through the API).
"""

from __future__ import annotations

from .schema import Target


def importer_headers(targets: dict[str, Target]) -> dict[str, str]:
    """Header named by id → the header the importer knows (its field's name); only those that differ."""
    out = {}
    for header, t in targets.items():
        tag = f" (id {t.field_id})"
        if t.field_id is not None and tag in header:
            out[header] = header.replace(tag, "", 1)
    return out


def by_id_notes(renamed: dict[str, str]) -> list[str]:
    """The export's note for each field named by id."""
    return [
        f"Column {header!r} is written as {plain!r}: the account has several fields of that name and AmoCRM's "
        "importer matches by name, so it cannot tell them apart. Rename one of them in the account before "
        "importing this file, or use `amomigrate upload`, which sends the field id."
        for header, plain in renamed.items()
    ]
