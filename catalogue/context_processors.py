"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from .views_public import COMPARE_SESSION_KEY


def public(request: HttpRequest) -> dict:
    """How many solutions wait in the compare tray (shown in the header)."""
    session = getattr(request, "session", None)
    ids = session.get(COMPARE_SESSION_KEY, []) if session is not None else []
    return {"compare_count": len(ids)}
