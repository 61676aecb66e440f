"""The engine: what CRB concludes from what it knows. Health (Warmth, Trust, Value, Health,
trend, stage: ``health`` runs it through the store's ``health_run`` (the model in SQL is the
store's ``health_sql``), ``health_value`` the Value rules, ``health_explain`` the
explanations) and the daily review (``review``, and
``review_answers``: which of today's actions answer which item; ``review_item``: an item and
the priorities; ``review_backlog``: the late, fading and stale-goal backlogs;
``review_triage``: the new people to triage; ``review_plugins``: the plugins' items), and
``plugin_calls`` (how the ``health_signals`` and ``review_items`` hooks are called and their
results checked).

Owns: the health model and its explanations, the review's items, order and caps.
May import: the kernel (``crb_tui.records``, ``clock``, ``config``, ``errors``, ``text``,
``identity``), the store's functions (``store.review_queries`` for the review's rows,
``store.person_rows`` for a person's history, ``store.health_run`` for the health model's
runs; it writes no SQL of its own), and ``crb_tui.hooks``
for the ``health_signals`` and ``review_items`` hooks. Never the host, never the Face
(``crb_tui.cli``, ``crb_tui.tui``) and never Textual (import-linter holds these lines).
"""
