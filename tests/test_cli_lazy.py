"""The command line builds only the command it runs: its name -> module table
(lca.cli.COMMAND_MODULES) must name exactly what the CLI modules register."""

import importlib
from pathlib import Path

import typer
from typer.main import get_command_name
from typer.testing import CliRunner

from lca import cli

MODULES = [f"lca.{p.stem}" for p in sorted(Path(cli.__file__).parent.glob("cli*.py"))]


def _registered() -> dict[str, str]:
    """Command name -> module, from the registrations of every CLI module."""
    modules = [importlib.import_module(name) for name in MODULES]
    found = {(info.name or get_command_name(info.callback.__name__)): info.callback.__module__
             for info in cli.commands.registered_commands}
    owner = {id(value): module.__name__ for module in modules for value in vars(module).values()
             if isinstance(value, typer.Typer)}
    found.update({group.name: owner[id(group.typer_instance)]
                  for group in cli.commands.registered_groups})
    return found


def test_command_table_matches_the_registrations():
    assert cli.COMMAND_MODULES == _registered()


def test_help_lists_every_command_and_a_typo_is_one_line():
    result = CliRunner().invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:", 1)[1]
    for name in cli.COMMAND_MODULES:
        assert f"\n  {name} " in listed, name
    assert cli.build_command("no-such-command") is None
