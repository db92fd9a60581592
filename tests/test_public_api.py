"""The public surface is explicit: a sorted __all__, every name importable, every verb documented."""

import inspect

import migrate
import migrate.api


def test_all_is_sorted_and_importable():
    for module in (migrate, migrate.api):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name
    # the package imports its names at first use: the table of where each lives names exactly __all__
    assert sorted(migrate._WHERE) == migrate.__all__


def test_every_public_function_has_a_docstring():
    for name in migrate.__all__:
        obj = getattr(migrate, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_cli_commands_are_the_contracts():
    from migrate.cli import cli

    assert set(cli.commands) == {"inspect", "init", "validate", "export", "schema", "upload", "plan", "sandbox"}
    assert "pull" in cli.commands["schema"].commands


def test_the_command_starts_without_the_iri_grammar() -> None:
    """The command line does not load jsonschema's optional `rfc3987_syntax` (a grammar built at import,
    1.0 s of every command's start where Jupyter is installed); the schemas still validate profiles."""
    import subprocess
    import sys

    code = ("import sys, migrate.cli, jsonschema\n"
            "from migrate.core.profile import profile_from_dict\n"
            "profile_from_dict({'version': 1, 'entity': 'leads', 'columns': {'A': 'Название сделки'}})\n"
            "try:\n    profile_from_dict({'version': 'x', 'columns': 3})\nexcept Exception as e:\n"
            "    print(type(e).__name__)\n"
            "print(sys.modules.get('rfc3987_syntax'))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["ProfileError", "None"]
