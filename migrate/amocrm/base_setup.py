"""`plan --apply` of a manifest: the custom field that keeps each record's source key in the account.

The manifest's `source_id_field` must exist as a text field on companies, contacts and leads before a whole
base is uploaded: the upload writes every record's source key there, and a re-run with a fresh journal
finds earlier records through it. This creates the field where it is missing (never changing an existing
field), then re-pulls the account so the caller can save the schema the upload will use.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.schema import AccountSchema
from .client import AmoClient
from .setup_run import pull_account

ENTITIES = ("companies", "contacts", "leads")


def missing_entities(schema: AccountSchema, name: str) -> list[str]:
    """The entities whose custom fields lack a field named `name`."""
    return [e for e in ENTITIES if not any(f.get("name") == name for f in schema.fields(e))]


def ensure_source_field(client: AmoClient, schema: AccountSchema, name: str,
                        warn: Callable[[str], None] | None = None) -> tuple[list[str], AccountSchema]:  # fmt: skip
    """Create the text field `name` on every entity lacking it; return the entities it was created on and
    the re-pulled account."""
    live = pull_account(client, schema, warn)
    created = []
    for entity in missing_entities(live, name):
        client.post(f"/api/v4/{entity}/custom_fields", [{"name": name, "type": "text", "sort": 510}])
        created.append(entity)
    return created, (pull_account(client, schema, warn) if created else live)
