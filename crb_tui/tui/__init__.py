"""CRB's Textual app: the review, people, person, dashboard and sync screens."""
