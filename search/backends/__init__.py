"""Load the configured backend by dotted path, like Django's cache backends."""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SearchBackend

_lock = threading.Lock()
_backend: SearchBackend | None = None


def get_backend() -> SearchBackend:
    """The process-wide backend named by ``settings.SEARCH_BACKEND``."""
    global _backend
    with _lock:
        if _backend is None:
            _backend = import_string(settings.SEARCH_BACKEND)()
        return _backend


def reset_backend() -> None:
    """Forget the cached backend (tests, settings changes)."""
    global _backend
    with _lock:
        _backend = None
