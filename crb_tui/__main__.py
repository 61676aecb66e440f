"""``python -m crb_tui`` runs the ``crb`` command."""

from crb_tui.console import main

main()
