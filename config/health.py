"""``/healthz``: database, search index and job queue in one JSON answer (200, or 503)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a health check reports, it never raises
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    """One round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_search() -> dict:
    """The search backend's own health report."""
    from search.backends import get_backend

    return dict(get_backend().health())


def check_queue() -> dict:
    """Redis ping with RQ; a query on the task table with the database queue."""
    if settings.REDIS_URL:
        import django_rq

        django_rq.get_connection(settings.JOBS_QUEUE).ping()
        queued = len(django_rq.get_queue(settings.JOBS_QUEUE))
        return {"ok": True, "backend": "rq", "queued": queued}
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(status="READY").count()
    return {"ok": True, "backend": "database", "queued": queued}


@never_cache
@require_GET
def healthz(request):
    """Report each dependency; 503 when any of them is down."""
    checks = {
        "database": _timed(check_database),
        "search": _timed(check_search),
        "queue": _timed(check_queue),
    }
    ok = all(item.get("ok") for item in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
