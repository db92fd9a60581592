"""Talking to AmoCRM API v4: the HTTP client, the upload, `schema pull`, and the local sandbox emulator."""
