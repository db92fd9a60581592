"""Talking to a real AmoCRM account through API v4: the client, `schema pull`, `plan --apply`, the upload.

client (base URL, pacing, retries, failures) · auth (token sources, secret scrubbing) · pull (`schema
pull`) · setup / setup_run (`plan --apply`: custom fields and stages) · upload/ (the upload and its journal).

May import: `migrate.core`, `migrate.quality`, `migrate.drafting`, `migrate.sinks`. Never imports the CLI
or the emulator (`migrate.sandbox`).
"""
