"""The command line (part of the Face): ``crb`` (``group``: the group and what every command
shares) and its commands (``commands``, which gathers them all; ``acting``, ``sync_commands``,
``details``), click parameter types that range-check what is typed (``params``) and
``crb serve`` (``serve``: the app in a browser).

Owns: every command's arguments, output (text and ``--json``) and exit codes (docs/cli.md).
May import: the kernel, the host (``app_context``), the engine and the store's API. Never
``sqlite3`` or ``sqlite_utils``: every statement is the store's (import-linter holds this).
"""

from crb_tui.cli.commands import main  # registers every command on the group
from crb_tui.cli.group import cli

__all__ = ["cli", "main"]
