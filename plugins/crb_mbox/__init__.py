"""Placeholder: this built-in plugin is being written."""
