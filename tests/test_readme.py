"""The README's commands work as written, against the bundled samples."""

import re
import shlex
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


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path, monkeypatch):
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # 1 = the samples' planted data errors
    assert "Traceback" not in result.output
    if args[0] in ("export", "validate"):
        assert re.search(r"read \d+ = exported \d+ \+ rejected \d+", result.output + (result.stderr or ""))
    if "-o" in args:
        assert (tmp_path / args[args.index("-o") + 1]).exists()
