"""The pipeline core: a source table, a profile and an account schema in; a mapped table and a report out.

table (SourceTable) · schema (AccountSchema, layouts) · profile (Profile, jsonschema-validated) · mapping
(apply a profile) · validate (mapping + checks + duplicates → Report) · report · issues (Issue, IssueCode,
the exception tree) · progress (tqdm bars) · jsonschema_errors.

May import: `migrate.quality`. Never imports sources, sinks, amocrm, sandbox, cli or api: no file or
network I/O happens here beyond reading the package's own data files and a profile/schema file.
"""
