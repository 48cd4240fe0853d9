"""The README documents every command of the CLI: adding a command without docs fails here."""

import re

from ingest.cli import cli
from tests.articles_db import ROOT


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\bingest ([a-z][a-z0-9-]*)", readme))
    missing = sorted(name for name in cli.commands if name not in documented)
    assert not missing, f"commands missing from README.md (as `ingest NAME`): {missing}"


def test_the_check_sees_the_registered_commands():
    """Guards the test above: it must look at the real command list, not an empty one."""
    assert {"query", "search", "stats", "serve", "export"} <= set(cli.commands)
