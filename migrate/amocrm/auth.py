"""Where the API token comes from, and the one place secrets are scrubbed from text.

Two ways to authorise (amocrm.md §2.1): a long-lived token (`AMOCRM_TOKEN`), or OAuth2 with a refresh token
(`AMOCRM_CLIENT_ID`, `AMOCRM_CLIENT_SECRET`, `AMOCRM_REFRESH_TOKEN`, `AMOCRM_REDIRECT_URI`). A refresh
returns a *new* pair and may invalidate the old refresh token, so the new pair is written at once to a file
the user names (mode 0600, replaced atomically); the next run reads it before the environment.

Secrets never leave this process in text: every message the client builds goes through `Secrets.scrub`,
which blanks each secret (and its URL-encoded form) wherever it appears.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from ..core.issues import AmoApiError

MASK = "***"

#: what to do when the token is refused: shown with every 401
TOKEN_HELP = (
    "For a long-lived token: in amoCRM open Settings → Integrations → your private integration → "
    "Keys and scopes, generate a new long-lived token and put it in AMOCRM_TOKEN. For OAuth: re-authorise "
    "the integration to get a new refresh token and put it in AMOCRM_REFRESH_TOKEN (and delete the stale "
    "--token-file)."
)


@dataclass
class Secrets:
    """The strings that must never be printed, logged or written. Shared by the client and its auth."""

    values: set[str] = field(default_factory=set)

    def add(self, *secrets: str | None) -> None:
        for s in secrets:
            if s and len(s) >= 4:  # a 1–3 character "secret" would blank ordinary text
                self.values.update({s, quote(s, safe="")})

    def scrub(self, text: object) -> str:
        out = str(text)
        for s in sorted(self.values, key=len, reverse=True):
            out = out.replace(s, MASK)
        return out


class TokenSource(Protocol):
    """Gives the bearer token; `refresh` gets a new one (False when this kind of token cannot refresh)."""

    secrets: Secrets

    def token(self) -> str: ...

    def refresh(self, post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> bool: ...


@dataclass
class StaticToken:
    """A long-lived token: valid until it expires or is revoked, then 401 — it cannot be refreshed."""

    value: str
    secrets: Secrets = field(default_factory=Secrets)

    def __post_init__(self) -> None:
        self.secrets.add(self.value)

    def token(self) -> str:
        return self.value

    def refresh(self, post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> bool:
        return False


@dataclass
class OAuthToken:
    """OAuth2 refresh-token flow; the refreshed pair is kept in `token_file` (0600) for the next run."""

    client_id: str
    client_secret: str
    refresh_token: str
    redirect_uri: str
    token_file: Path | None = None
    secrets: Secrets = field(default_factory=Secrets)
    _access: str | None = None
    _expires_at: float = 0.0

    def __post_init__(self) -> None:
        self.secrets.add(self.client_secret, self.refresh_token)
        if self.token_file and self.token_file.exists():
            self._load(self.token_file)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise AmoApiError(f"Token file {path} cannot be read as JSON; delete it and run again.") from None
        self.refresh_token = data.get("refresh_token") or self.refresh_token
        self._access = data.get("access_token")
        self._expires_at = float(data.get("expires_at") or 0)
        self.secrets.add(self.refresh_token, self._access)

    def token(self) -> str:
        if self._access is None or time.time() > self._expires_at - 60:
            raise NeedsRefresh
        return self._access

    def refresh(self, post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> bool:
        body = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "redirect_uri": self.redirect_uri,
        }
        data = post("/oauth2/access_token", body)
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not access or not refresh:
            raise AmoApiError("The OAuth token endpoint answered without a token pair. " + TOKEN_HELP)
        self.secrets.add(access, refresh)
        self._access, self.refresh_token = access, refresh
        self._expires_at = time.time() + float(data.get("expires_in") or 86400)
        if self.token_file:
            save_token_file(self.token_file, {"access_token": access, "refresh_token": refresh,
                                              "expires_at": self._expires_at})  # fmt: skip
        return True


class NeedsRefresh(Exception):
    """Internal: the OAuth access token is missing or about to expire."""


def save_token_file(path: Path, data: dict[str, Any]) -> None:
    """Write the token pair readable by the owner only (0600), atomically, so a crash never leaves half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tok-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def token_from_env(env: Mapping[str, str] | None = None, token_file: str | Path | None = None) -> TokenSource:
    """The token source the environment describes: AMOCRM_TOKEN, else the four OAuth variables."""
    env = os.environ if env is None else env
    if env.get("AMOCRM_TOKEN"):
        return StaticToken(env["AMOCRM_TOKEN"].strip())
    names = ("AMOCRM_CLIENT_ID", "AMOCRM_CLIENT_SECRET", "AMOCRM_REFRESH_TOKEN", "AMOCRM_REDIRECT_URI")
    have = {n: env.get(n, "").strip() for n in names}
    path = Path(token_file) if token_file else None
    if all(have.values()) or (path and path.exists() and have["AMOCRM_CLIENT_ID"] and have["AMOCRM_CLIENT_SECRET"]):
        return OAuthToken(have["AMOCRM_CLIENT_ID"], have["AMOCRM_CLIENT_SECRET"], have["AMOCRM_REFRESH_TOKEN"],
                          have["AMOCRM_REDIRECT_URI"], path)  # fmt: skip
    missing = [n for n, v in have.items() if not v]
    raise AmoApiError(
        "No AmoCRM credentials: set AMOCRM_TOKEN to a long-lived token (amoCRM → Settings → Integrations → "
        "your private integration → Keys and scopes), or set all of AMOCRM_CLIENT_ID, AMOCRM_CLIENT_SECRET, "
        f"AMOCRM_REFRESH_TOKEN, AMOCRM_REDIRECT_URI for OAuth (missing: {', '.join(missing)})."
    )
