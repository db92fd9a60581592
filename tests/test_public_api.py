"""The public surface is explicit: a sorted __all__, every name importable, every verb documented."""

import inspect

import migrate
import migrate.api


def test_all_is_sorted_and_importable():
    for module in (migrate, migrate.api):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name


def test_every_public_function_has_a_docstring():
    for name in migrate.__all__:
        obj = getattr(migrate, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_cli_commands_are_the_contracts():
    from migrate.cli import cli

    assert set(cli.commands) == {"inspect", "init", "validate", "export", "schema", "upload", "plan", "sandbox"}
    assert "pull" in cli.commands["schema"].commands
