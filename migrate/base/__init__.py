"""The whole base: several source files of one CRM (companies, contacts, deals, comments, tasks), linked by
the source system's keys, handled as one migration.

- `manifest.py` — the migration manifest (YAML, validated by data/manifest.schema.json): which file and
  profile per entity, and the custom field that keeps each record's source key in the account.
- `links.py` — a profile's `key` and `links` read from the rows: single, multi-key (`CONTACT_IDS`), typed
  (`UF_CRM_TASK` ["D_12","C_5"]), entity-by-column (a comment's ENTITY_TYPE + ENTITY_ID), and by name.
- `graph.py` — the records of every file with their keys, links resolved across files, one record per
  key, dangling links as warnings: `Base`, what validate, export and upload of a manifest share.
- `report.py` — one report over all files: each file's Report plus the cross-file counts.

Pure code like migrate.core (files are read by migrate.sources and written by migrate.sinks / migrate.amocrm,
through migrate.api_base): imports migrate.core and migrate.quality only.
"""

from .graph import Base, Record, build_base
from .links import ENTITY_ORDER, RECORD_ENTITIES, LinkSpec, link_specs
from .manifest import Manifest, SourceSpec, is_manifest, load_manifest
from .report import BaseReport

__all__ = [
    "ENTITY_ORDER",
    "RECORD_ENTITIES",
    "Base",
    "BaseReport",
    "LinkSpec",
    "Manifest",
    "Record",
    "SourceSpec",
    "build_base",
    "is_manifest",
    "link_specs",
    "load_manifest",
]
