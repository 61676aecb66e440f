"""Deletions: Gmail messages marked as spam (or given another skip label) and cancelled calendar
events still to come remove their interactions through the core's ``Delete`` record (counted
under ``removed``). Mail deleted or moved to the bin, and meetings that took place, stay."""

from crb_tui import Delete

__all__ = ["Delete"]
