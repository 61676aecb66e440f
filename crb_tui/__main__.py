"""``python -m crb_tui`` runs the ``crb`` command."""

from crb_tui.cli.commands import main

main()
