"""Talking to AmoCRM API v4: the HTTP client, the upload, `schema pull`, and the local sandbox emulator.

client.py (base URL, pacing, retries, failures) · auth.py (token sources, secret scrubbing) · pull.py
(`schema pull`) · payload.py (mapped rows → API JSON) · upload.py (batches and their outcomes) ·
journal.py (SQLite journal: resume without duplicates) · recovery.py (what an unconfirmed batch created) ·
matching.py (`--match-existing`) · results.py (success/error workbooks) · dryrun.py · eta.py · run.py
(wiring) · sandbox*.py (the local emulator).
"""
