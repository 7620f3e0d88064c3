"""Solution -> search document, and keeping the index in step with the database."""

from __future__ import annotations


def solution_changed(solution_id: int) -> None:
    """Call inside a write's transaction: re-index (or drop) the solution after commit."""
    # Filled in by the search app; a no-op until then.
    return None
