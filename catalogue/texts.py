"""Bilingual texts: the active language's version of a ``<field>_ko`` / ``<field>_en`` pair."""

from __future__ import annotations

from django.utils.translation import get_language


def pick(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_<lang>`` in the active language, falling back to the other one."""
    language = (language or get_language() or "ko")[:2]
    other = "en" if language == "ko" else "ko"
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_{other}", "")
