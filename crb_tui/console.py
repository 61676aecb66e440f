"""The ``crb`` console script's entry point. It loads nothing of CRB's but ``errors`` and
``locale_streams`` before it can catch Ctrl-C: pressed while Python is still loading the
command line (the first ~0.3 s), it ends in one line and exit status 130, as it does later on,
instead of a traceback."""

from __future__ import annotations

from crb_tui.errors import interrupted
from crb_tui.locale_streams import fit_streams


def main(argv: list[str] | None = None) -> None:
    """Run ``crb`` (``crb_tui.cli.commands.main``)."""
    try:
        fit_streams()
        from crb_tui.cli.commands import main as run

        run(argv)
    except KeyboardInterrupt:
        interrupted()
