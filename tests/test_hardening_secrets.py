"""The token never leaks (issue 12, item 11, extending the planted-token test of test_amocrm_client.py).

A token with a line break used to be printed whole by httpx (`Illegal header value b'Bearer …'`), a
non-ASCII one was a UnicodeEncodeError traceback, and a server that echoed the token in `validation-errors`
got it saved in the journal and the upload-errors workbook. Now such tokens are refused before any request,
and every server text is scrubbed of the token in every escaped form before it reaches a message or a file.
"""

import json
import sqlite3
import zipfile

import pytest
from click.testing import CliRunner
from test_upload import ACCOUNT, deals_csv

import migrate.sandbox.api as sandbox_api
from migrate.amocrm.auth import Secrets, StaticToken, check_secret
from migrate.cli.amocrm import main_group
from migrate.core.issues import AmoApiError
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

PLANTED = "tok-PLANTED-7f3a9c1e5b2d4086-SECRET"


@pytest.mark.parametrize(
    ("token", "what"),
    [(PLANTED + "\nX-Evil: 1", "a line break"), ("tok\x1b[2J" + PLANTED, "a control character"),
     ("токен-" + PLANTED, "a non-ASCII character"), (PLANTED[:10] + " " + PLANTED[10:], "a space")],
)  # fmt: skip
def test_a_token_with_control_or_non_ascii_characters_is_refused_before_any_request(tmp_path, token, what):
    with Sandbox(load_schema(ACCOUNT)) as sb:
        args = ["schema", "pull", "--base-url", sb.url, "-o", str(tmp_path / "a.json")]
        result = CliRunner().invoke(main_group, args, env={"AMOCRM_TOKEN": token})
        assert result.exit_code == 2, result.output
        assert what in result.output and "Traceback" not in result.output
        assert "PLANTED" not in result.output and "токен" not in result.output
        assert not sb.requests  # nothing was sent
    assert not (tmp_path / "a.json").exists()


def test_secrets_are_scrubbed_in_every_escaped_form():
    secret = 'se"cr\\et/ток\n'
    secrets = Secrets()
    secrets.add(secret)
    forms = [secret, repr(secret), json.dumps(secret), json.dumps(secret, ensure_ascii=False),
             str(secret.encode()), "Bearer%20" + __import__("urllib.parse").parse.quote(secret, safe="")]  # fmt: skip
    for text in forms:
        assert "cr" not in secrets.scrub(f"before {text} after").replace("before", ""), text
    with pytest.raises(AmoApiError, match="position 3 of"):
        check_secret("AMOCRM_TOKEN", "ab\ncd")
    with pytest.raises(AmoApiError, match="line break"):
        StaticToken(PLANTED + "\r\n" + "x")


def test_a_server_echoing_the_token_reaches_no_message_journal_or_workbook(tmp_path, monkeypatch):
    """AmoCRM (or a proxy before it) quoting the request — header included — in its validation errors."""
    real = sandbox_api.validation_failed
    echo = f"Bearer {PLANTED} | {PLANTED!r} | {json.dumps(PLANTED)} | {PLANTED.encode()!r}"

    def echoing(errors):
        return real([(rid, [{**e, "detail": f"{e['detail']} ({echo})", "path": f"{e['path']} {PLANTED}"}
                            for e in errs]) for rid, errs in errors])  # fmt: skip

    monkeypatch.setattr(sandbox_api, "validation_failed", echoing)
    account = json.loads(ACCOUNT.read_text(encoding="utf-8"))
    for user in account["users"]:
        if user["name"] == "Игорь Петров":
            user["active"] = False  # deactivated in the account since the schema was pulled: AmoCRM refuses
    live = tmp_path / "live.json"
    live.write_text(json.dumps(account, ensure_ascii=False), encoding="utf-8")
    src = deals_csv(tmp_path / "deals.csv", 20)
    with Sandbox(load_schema(live), token=PLANTED) as sb:
        args = ["upload", str(src), "-p", str(ACCOUNT.parent.parent / "benchmarks" / "deals-profile.yaml"),
                "--schema", str(ACCOUNT), "--base-url", sb.url, "--journal", str(tmp_path / "j.sqlite")]  # fmt: skip
        result = CliRunner().invoke(main_group, args, env={"AMOCRM_TOKEN": PLANTED})
    assert result.exit_code == 1, result.output  # rows refused by the account
    assert "PLANTED" not in result.output
    db = sqlite3.connect(tmp_path / "j.sqlite")
    reasons = [r[0] for r in db.execute("SELECT reason FROM refused")]
    db.close()
    assert reasons and all("***" in r and "PLANTED" not in r for r in reasons)
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        parts = [zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()] if data[:2] == b"PK" else [
            data]
        assert all(b"PLANTED" not in p for p in parts), path
