"""Notifications other apps follow, sent explicitly by the catalogue's services after commit.

``solutions_changed(solution_ids=[...])`` is sent once per write, after the search index has
been asked to follow, so that matching can re-rank what the change concerns.
"""

from django.dispatch import Signal

solutions_changed = Signal()
