"""The README's commands work as written, against the bundled samples."""

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """Every `amomigrate …` command in the README's shell blocks (also after `&&` in the set-up line)."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.split(" #")[0].strip()
                if part.startswith("amomigrate "):
                    commands.append(part)
    return commands


def test_readme_has_the_two_setup_commands():
    assert "pip install . && amomigrate export samples/" in README
    assert 'pip install -e ".[test]" && pytest' in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]" && pytest' in ci


SANDBOX_URL = "http://127.0.0.1:8765"


def _runnable(command: str) -> bool:
    """Commands for a real account (--subdomain mycompany) or that serve forever (sandbox) are not run here;
    the sandbox is started by the test for the commands that talk to it."""
    return "--subdomain" not in command and not command.startswith("amomigrate sandbox")


@pytest.fixture(scope="module")
def sandbox():
    from migrate.core.schema import load_schema
    from migrate.sandbox.server import Sandbox

    with Sandbox(load_schema(ROOT / "samples" / "account.json")) as sb:
        yield sb


@pytest.mark.parametrize("command", [c for c in readme_commands() if _runnable(c)])
def test_readme_command_runs(command, tmp_path, monkeypatch, sandbox):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")  # upload writes its journal beside the source
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    if SANDBOX_URL in command:
        command = command.replace(SANDBOX_URL, sandbox.url)
        monkeypatch.setenv("AMOCRM_TOKEN", sandbox.token)
        if "out/account.json" in command and "schema pull" not in command:
            CliRunner().invoke(cli, ["schema", "pull", "--base-url", sandbox.url, "-o", "out/account.json", "-q"])
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # 1 = the samples' planted data errors
    assert "Traceback" not in result.output
    if args[0] in ("export", "validate", "upload"):
        assert re.search(r"read \d+ = (exported|uploaded) \d+ .*\+ rejected \d+", result.output + (result.stderr or ""))
    if "-o" in args:
        assert (tmp_path / args[args.index("-o") + 1]).exists()
