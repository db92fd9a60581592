"""Data-quality rules: value transforms, checks, owners/stages resolution, fuzzy matching, duplicates.

transforms/ (named pure value transforms and their registry) · checks (one function per rule) · resolve
(owners, pipelines, stages, list values) · fuzzy (the one place rapidfuzz is called) · duplicates and
duplicates_policy (clusters; report / keep-first / merge) · components (connected components of an edge
list) · key_hashes (phones and e-mails as key hashes: which cells share a key) · infer (custom field types
from values).

May import: `migrate.core`. Never imports sources, sinks, amocrm, sandbox, cli or api.
"""
