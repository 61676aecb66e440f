"""The app's screens, one module each, and their dialogs: ``dialogs`` gathers them, one module
per family (``dialogs_form``, the frame every form shares; ``dialogs_log``, ``dialogs_person``,
``dialogs_choice``)."""
