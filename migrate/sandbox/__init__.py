"""The local AmoCRM API v4 emulator (`amomigrate sandbox`): rehearse an upload before touching an account.

server (HTTP server, routing, faults wiring) · api (the endpoints) · store (entities in memory, links,
filters) · rules (the real API's validation of fields, enums, statuses, users) · account (the account a
schema describes) · auth (bearer tokens and the OAuth dance) · faults (429, 5xx, drops, latency) · setup
(custom fields and stages created through the API).

May import: `migrate.core` (the account schema). Never imports the client (`migrate.amocrm`), so that it
emulates AmoCRM from the documented behaviour rather than from our own client's assumptions.
"""

from .server import Sandbox

__all__ = ["Sandbox"]
