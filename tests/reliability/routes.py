"""Every /api/v1/ route and HTTP method, found by walking the URL configuration."""

from django.urls import URLPattern, URLResolver, get_resolver

UNSAFE = ("post", "put", "patch", "delete")


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # DRF adds "head" to a viewset's actions once it has served a GET
        return sorted(m for m in actions if m != "head")
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ["get"]
    names = getattr(view_class, "http_method_names", ["get"])
    return sorted(m for m in names if m not in ("options", "head") and hasattr(view_class, m))


def _walk(patterns, prefix: str):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def api_routes() -> list[tuple[str, str]]:
    """(route pattern, method) for every API endpoint, e.g. ("api/v1/solutions/<pk>/", "get")."""
    found = set()
    for route, callback in _walk(get_resolver().url_patterns, ""):
        if route.startswith("api/v1/"):
            for method in _methods(callback):
                found.add((route, method))
    return sorted(found)
