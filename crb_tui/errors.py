"""Errors the CLI and the TUI turn into one clear message."""


class CrbError(Exception):
    """A problem the user can fix: the message says what and where."""


class NotFound(CrbError):
    """A person, commitment or record that matches nothing."""


class Ambiguous(CrbError):
    """A name that matches several people."""
