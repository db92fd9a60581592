"""The upload: mapped rows → AmoCRM entities, journalled so that a re-run never creates anything twice.

run (wiring: client, journal, schema, result files) · uploader (batches and their outcomes) · payload
(mapped rows → API JSON) · journal (SQLite: batches before send, ids after) · recovery (what an
unconfirmed batch created) · matching (`--match-existing`) · results (success / error workbooks) · dryrun
(requests written, nothing sent) · eta (progress and time left).

May import: `migrate.core`, `migrate.quality`, `migrate.sinks`, the client modules of `migrate.amocrm`.
"""
