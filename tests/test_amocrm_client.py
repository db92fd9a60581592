"""The API client: base URLs, pacing (measured on the sandbox's own request log), retries, clear failures,
OAuth refresh into a 0600 file, and a planted token that must appear nowhere we write."""

import bisect
import gc
import json
import os
import stat
import zipfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from migrate.amocrm.auth import OAuthToken, Secrets, StaticToken, token_from_env
from migrate.amocrm.client import (
    AmoClient,
    Pacer,
    RetryPolicy,
    ValidationFailed,
    WriteOutcomeUnknown,
    base_url_for,
)
from migrate.cli.amocrm import main_group
from migrate.core.issues import AmoApiError
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = ROOT / "samples" / "account.json"
PLANTED = "tok-PLANTED-7f3a9c1e5b2d4086-SECRET"
FAST = RetryPolicy(attempts=5, base=0.01, cap=0.05, default_retry_after=0.2)


def max_in_window(times, window=1.0):
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


# --- base URL ---------------------------------------------------------------------------------------------


def test_base_url_from_subdomain_domain_or_url():
    assert base_url_for("demo") == "https://demo.amocrm.ru"
    assert base_url_for("Demo", "kommo.com") == "https://demo.kommo.com"
    assert base_url_for("demo.amocrm.com") == "https://demo.amocrm.com"
    assert base_url_for(base_url="http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert base_url_for(base_url="http://localhost:1") == "http://localhost:1"
    assert base_url_for(base_url="http://[::1]:9") == "http://[::1]:9"
    assert base_url_for(base_url="https://x.example.org") == "https://x.example.org"


@pytest.mark.parametrize("url", ["http://demo.amocrm.ru", "http://10.0.0.5:80", "ftp://127.0.0.1", "https://u:p@h.ru"])
def test_plain_http_to_other_hosts_and_credentials_in_urls_are_refused(url):
    with pytest.raises(AmoApiError):
        base_url_for(base_url=url)


def test_subdomain_must_be_a_hostname_label():
    with pytest.raises(AmoApiError):
        base_url_for("bad name/")
    with pytest.raises(AmoApiError, match="--subdomain"):
        base_url_for(None)


# --- pacing -----------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.now += s


@pytest.mark.parametrize("rate,cap", [(7, 7), (5, 5), (3.5, 3), (0.5, 1)])
def test_pacer_never_lets_more_than_floor_rate_start_in_any_second(rate, cap):
    clock = FakeClock()
    pacer = Pacer(rate, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(60):
        pacer.wait()
        starts.append(clock.now)
    assert max_in_window(starts) <= cap
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 1 / rate - 1e-9  # evenly spaced: no burst at the start
    assert (len(starts) - 1) / (starts[-1] - starts[0]) >= 0.95 * min(rate, cap)  # and not much slower


def test_pacer_refuses_rates_above_seven():
    with pytest.raises(AmoApiError, match="at most 7"):
        Pacer(8)


def test_requests_to_the_sandbox_never_exceed_seven_in_any_rolling_second():
    with Sandbox(load_schema(ACCOUNT)) as sb, AmoClient(sb.url, StaticToken(sb.token)) as client:
        for _ in range(22):
            client.get("/api/v4/account")
        times = [r.time for r in sb.requests]
        assert len(times) == 22
        assert max_in_window(times) <= 7
        assert all(r.status == 200 for r in sb.requests)  # the sandbox's own 7 req/s limiter never fired
        assert (21 / (max(times) - min(times))) > 6.5  # and it is not slow either


# --- retries and failures (scripted transport) -------------------------------------------------------------


def scripted(*answers):
    """A transport answering in order; an Exception instance is raised instead of answering."""
    seen = []
    it = iter(answers)

    def handler(request):
        seen.append(request)
        a = next(it)
        if isinstance(a, Exception):
            raise a
        return a

    return httpx.MockTransport(handler), seen


def client_with(transport, waits, token="t0ken-value-xyz"):
    """`waits` collects the deliberate waits (429, backoff), not the pacing gaps."""
    return AmoClient("https://demo.amocrm.ru", StaticToken(token), retry=FAST, transport=transport,
                     sleep=lambda s: None, on_wait=lambda s, why: waits.append(s))  # fmt: skip


def test_429_waits_retry_after_from_json_then_default_for_html():
    transport, seen = scripted(
        httpx.Response(429, json={"title": "Too Many Requests", "status": 429, "retry_after": 3}),
        httpx.Response(429, text="<html><body>429 Too Many Requests</body></html>"),
        httpx.Response(200, json={"id": 1}),
    )
    sleeps = []
    assert client_with(transport, sleeps).get("/api/v4/account") == {"id": 1}
    assert 3 in sleeps and FAST.default_retry_after in sleeps
    assert len(seen) == 3


def test_5xx_and_timeouts_on_reads_are_retried_with_growing_capped_backoff():
    transport, seen = scripted(
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.Response(200, json={"ok": True}),
    )
    sleeps = []
    client = client_with(transport, sleeps)
    assert client.get("/api/v4/leads") == {"ok": True}
    assert len(sleeps) == 3 and max(sleeps) <= FAST.cap and min(sleeps) >= FAST.base / 2
    assert client.stats.retries == 3


def test_reads_give_up_after_bounded_attempts():
    transport, _ = scripted(*[httpx.Response(500, json={"title": "ErrInternalServer"})] * FAST.attempts)
    with pytest.raises(AmoApiError, match="failed 5 times"):
        client_with(transport, []).get("/api/v4/leads")


def test_a_lost_write_is_never_blindly_repeated():
    transport, seen = scripted(httpx.ReadTimeout("timed out"))
    with pytest.raises(WriteOutcomeUnknown, match="may have been applied"):
        client_with(transport, []).post("/api/v4/leads/complex", [{"name": "x"}])
    assert len(seen) == 1


def test_validation_errors_are_parsed_per_request_id():
    body = {"validation-errors": [{"request_id": "12", "errors": [
        {"code": "NotSupportedChoice", "path": "custom_fields_values.0.field_id", "detail": "bad"}]}],
        "title": "Bad Request", "status": 400, "detail": "Request validation failed"}  # fmt: skip
    transport, _ = scripted(httpx.Response(400, json=body))
    with pytest.raises(ValidationFailed) as e:
        client_with(transport, []).post("/api/v4/leads", [{}])
    assert e.value.errors == {"12": [("NotSupportedChoice", "custom_fields_values.0.field_id", "bad")]}


def test_401_402_403_stop_with_what_to_do():
    with Sandbox(load_schema(ACCOUNT)) as sb:
        with AmoClient(sb.url, StaticToken(PLANTED), retry=FAST) as bad, pytest.raises(AmoApiError) as e401:
            bad.get("/api/v4/account")
        assert "401" in str(e401.value) and "long-lived token" in str(e401.value) and PLANTED not in str(e401.value)
        with AmoClient(sb.url, StaticToken(sb.token), retry=FAST) as client:
            sb.payment_required = True
            with pytest.raises(AmoApiError, match="402 Payment Required.*Pay for"):
                client.get("/api/v4/account")
            sb.payment_required = False
            sb.block.blocked = True  # as after repeated rate-limit violations
            with pytest.raises(AmoApiError, match="403 Forbidden.*(rights|support)") as e403:
                client.get("/api/v4/account")
            assert "contact AmoCRM support" in str(e403.value)
            assert len([r for r in sb.requests if r.status == 403]) == 1  # never retried


def test_sandbox_faults_on_reads_are_survived():
    # A garbage collection of the whole test process (its size depends on every module collected) landing
    # between the pacer's stamp and the send delays one arrival by tens of ms and fakes an 8th request in a
    # second; the pacer, not the collector, is under test here.
    gc.disable()
    try:
        _faults_on_reads()
    finally:
        gc.enable()


def _faults_on_reads():
    with Sandbox(load_schema(ACCOUNT), fail_429=0.25, fail_5xx=0.2, drop=0.1, seed=11, retry_after=0) as sb:
        with AmoClient(
            sb.url, StaticToken(sb.token), retry=RetryPolicy(attempts=8, base=0.02, cap=0.1, default_retry_after=0.1)
        ) as c:
            for _ in range(12):
                assert c.get("/api/v4/leads/pipelines")["_embedded"]["pipelines"]
        faults = {r.fault for r in sb.requests if r.fault}
        assert faults & {"429", "429-html"} and faults & {"5xx"}, faults
        assert max_in_window([r.time for r in sb.requests]) <= 7


# --- secrets ----------------------------------------------------------------------------------------------


def test_secrets_scrub_plain_and_url_encoded():
    s = Secrets()
    s.add("a+b/c=secret")
    assert s.scrub("x a+b/c=secret y a%2Bb%2Fc%3Dsecret") == "x *** y ***"


def test_transport_errors_are_scrubbed(monkeypatch):
    transport, _ = scripted(httpx.ConnectError(f"cannot connect, header was Bearer {PLANTED}"))
    with pytest.raises(WriteOutcomeUnknown) as e:
        client_with(transport, [], token=PLANTED).post("/api/v4/leads", [{}])
    assert PLANTED not in str(e.value) and e.value.__cause__ is None and e.value.__context__ is None


def test_oauth_refresh_stores_the_new_pair_in_a_0600_file(tmp_path):
    with Sandbox(load_schema(ACCOUNT), oauth_client=("cid", "csecret-123456")) as sb:
        first = httpx.post(f"{sb.url}/oauth2/access_token", json={
            "client_id": "cid", "client_secret": "csecret-123456", "grant_type": "authorization_code",
            "code": sb.new_auth_code(), "redirect_uri": "https://example.org/cb"}).json()  # fmt: skip
        env = {"AMOCRM_CLIENT_ID": "cid", "AMOCRM_CLIENT_SECRET": "csecret-123456",
               "AMOCRM_REFRESH_TOKEN": first["refresh_token"],
               "AMOCRM_REDIRECT_URI": "https://example.org/cb"}  # fmt: skip
        token_file = tmp_path / "tok.json"
        source = token_from_env(env, token_file)
        assert isinstance(source, OAuthToken)
        with AmoClient(sb.url, source) as client:
            assert client.get("/api/v4/account")["subdomain"] == "demo"
        saved = json.loads(token_file.read_text())
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        assert saved["refresh_token"] != first["refresh_token"] and saved["access_token"]
        again = token_from_env(env, token_file)  # the next run starts from the file, not the stale env
        with AmoClient(sb.url, again) as client:
            assert client.get("/api/v4/account")


def test_no_credentials_says_which_variables():
    with pytest.raises(AmoApiError, match="AMOCRM_TOKEN"):
        token_from_env({})


def test_planted_token_is_nowhere_in_output_files_or_errors(tmp_path):
    """schema pull + upload + a failing run with a wrong token: grep every byte we wrote for the token."""
    runner = CliRunner()
    src = tmp_path / "c.xlsx"
    src.write_bytes((ROOT / "samples" / "customers.xlsx").read_bytes())
    with Sandbox(load_schema(ACCOUNT), token=PLANTED) as sb:
        env = {"AMOCRM_TOKEN": PLANTED}
        outputs = []
        r = runner.invoke(main_group, ["schema", "pull", "--base-url", sb.url, "-o", str(tmp_path / "a.json")], env=env)
        outputs.append(r)
        assert r.exit_code == 0, r.output
        r = runner.invoke(main_group, ["upload", str(src), "-p", "customers", "--schema", str(tmp_path / "a.json"),
                                       "--base-url", sb.url, "--format", "json"], env=env)  # fmt: skip
        outputs.append(r)
        assert r.exit_code == 1, r.output  # rows with errors exist in the sample
        bad = runner.invoke(main_group, ["schema", "pull", "--base-url", sb.url, "-o", str(tmp_path / "b.json")],
                            env={"AMOCRM_TOKEN": PLANTED + "-wrong"})  # fmt: skip
        outputs.append(bad)
        assert bad.exit_code == 2 and "401" in bad.output
    for r in outputs:
        assert "PLANTED" not in r.output + r.stdout + r.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in written) and any(p.name.endswith("uploaded.xlsx") for p in written)
    for p in written:
        for data in _contents(p):  # a workbook is a zip: look inside it
            assert b"PLANTED" not in data, p


def _contents(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [z.read(n) for n in z.namelist()]
    return [path.read_bytes()]
