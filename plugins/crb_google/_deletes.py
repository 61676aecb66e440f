"""Deletions: Gmail messages deleted or moved to spam/trash and cancelled calendar events remove
their interactions through the core's ``Delete`` record (counted under ``removed``)."""

from crb_tui import Delete

__all__ = ["Delete"]
