"""Where the API token comes from, and the one place secrets are scrubbed from text.

Two ways to authorise (amocrm.md §2.1): a long-lived token (`AMOCRM_TOKEN`), or OAuth2 with a refresh token
(`AMOCRM_CLIENT_ID`, `AMOCRM_CLIENT_SECRET`, `AMOCRM_REFRESH_TOKEN`, `AMOCRM_REDIRECT_URI`). A refresh
returns a *new* pair and may invalidate the old refresh token, so the new pair is written at once to a file
the user names (mode 0600, replaced atomically); the next run reads it before the environment.

Secrets never leave this process in text: every message the client builds, and every text the server
sends back (an error `detail` may echo the request), goes through `Secrets.scrub`, which blanks each secret
in every form it can take in text — as is, URL-encoded, escaped as in a Python repr, JSON or bytes repr.
A secret with a line break, a control character or a non-ASCII character is refused before it is used:
HTTP libraries quote such a header value whole in their error ("Illegal header value b'Bearer …'").
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
from urllib.parse import quote, quote_plus

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
                self.values.update(v for v in _forms(s) if len(v) >= 4)

    def scrub(self, text: object) -> str:
        out = str(text)
        for s in sorted(self.values, key=len, reverse=True):
            out = out.replace(s, MASK)
        return out


def _forms(s: str) -> set[str]:
    """`s` as it can appear in text: raw, URL-encoded, and escaped by repr, JSON (both ways) and bytes repr."""
    return {s, quote(s, safe=""), quote_plus(s), repr(s)[1:-1], json.dumps(s)[1:-1],
            json.dumps(s, ensure_ascii=False)[1:-1], repr(s.encode("utf-8"))[2:-1]}  # fmt: skip


def check_secret(name: str, value: str) -> str:
    """`value` stripped, or AmoApiError (never quoting it) when it holds what no token holds."""
    value = value.strip()
    for i, ch in enumerate(value):
        if ord(ch) < 0x21 or ord(ch) > 0x7E:
            what = "a line break" if ch in "\r\n" else "a space" if ch == " " else (
                "a control character" if ord(ch) < 0x21 or ord(ch) == 0x7F else "a non-ASCII character")
            raise AmoApiError(
                f"{name} holds {what} at position {i + 1} of {len(value)}; a token is plain ASCII letters, digits "
                "and punctuation. It was not used. Copy the token again (without line breaks or quotes)."
            )
    return value


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
        self.value = check_secret("The token", self.value)

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
        try:
            self.refresh_token = check_secret(f"The refresh token in {path}", data.get("refresh_token") or "") or (
                self.refresh_token)
            self._access = check_secret(f"The access token in {path}", data.get("access_token") or "") or None
        except AmoApiError as e:
            raise AmoApiError(f"{e} Delete the token file and run again.") from None
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
        self.secrets.add(str(access), str(refresh))
        access = check_secret("The access token AmoCRM sent", str(access))
        refresh = check_secret("The refresh token AmoCRM sent", str(refresh))
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
    if env.get("AMOCRM_TOKEN", "").strip():
        return StaticToken(check_secret("AMOCRM_TOKEN", env["AMOCRM_TOKEN"]))
    names = ("AMOCRM_CLIENT_ID", "AMOCRM_CLIENT_SECRET", "AMOCRM_REFRESH_TOKEN", "AMOCRM_REDIRECT_URI")
    have = {n: check_secret(n, env.get(n, "")) for n in names}
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
