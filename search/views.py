"""The search page: the API's parameters in the query string, facets, highlights, pagination."""

from __future__ import annotations

import dataclasses
import html
import math
import re
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from catalogue.views_public import country_name, pick
from catalogue.vocabularies import Category, CertificationType, Deployment, Tier
from search import selectors
from search.api.serializers import SearchParamsSerializer
from search.types import SearchUnavailable

PAGE_SIZE = 10
LIST_PARAMS = ("category", "certification", "tier", "country", "deployment", "standard")
SINGLE_PARAMS = ("q", "price_max", "sort", "valid_on", "language")

FACET_TITLES = {
    "category": gettext_lazy("Category"),
    "certification": gettext_lazy("Certification"),
    "tier": gettext_lazy("Pilot tier"),
    "country": gettext_lazy("Country"),
    "deployment": gettext_lazy("Deployment"),
    "standard": gettext_lazy("Standards"),
}
SORT_LABELS = {
    "relevance": gettext_lazy("Best match"),
    "newest": gettext_lazy("Newest"),
    "evidence": gettext_lazy("Most evidence"),
}
_LABELS = {
    "category": dict(Category.choices),
    "certification": dict(CertificationType.choices),
    "tier": dict(Tier.choices),
    "deployment": dict(Deployment.choices),
}
_TAG = re.compile(r"(</?b>)", re.IGNORECASE)


def safe_highlight(fragment: str) -> SafeString:
    """Keep only the engine's <b> tags; everything else is text, escaped (engine-escaped or not)."""
    out, open_ = [], False
    for part in _TAG.split(fragment):
        lowered = part.lower()
        if lowered == "<b>" and not open_:
            out.append("<b>")
            open_ = True
        elif lowered == "</b>" and open_:
            out.append("</b>")
            open_ = False
        elif lowered not in ("<b>", "</b>"):
            out.append(escape(html.unescape(part)))
    if open_:
        out.append("</b>")
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped or a literal <b>


def facet_label(facet: str, value: str) -> str:
    """A facet value as people read it, in the active language."""
    if facet == "country":
        return country_name(value)
    return str(_LABELS.get(facet, {}).get(value, value))


def _params(request: HttpRequest) -> list[tuple[str, str]]:
    """The page's own parameters, split into (name, value) pairs; page is left out."""
    pairs = []
    for name in SINGLE_PARAMS:
        value = request.GET.get(name, "").strip()
        if value:
            pairs.append((name, value))
    for name in LIST_PARAMS:
        for raw in request.GET.getlist(name):
            for value in raw.split(","):
                if value.strip() and (name, value.strip()) not in pairs:
                    pairs.append((name, value.strip()))
    return pairs


def _url(pairs: list[tuple[str, str]], **extra) -> str:
    items = list(pairs) + [(k, str(v)) for k, v in extra.items()]
    return "?" + urlencode(items) if items else "?"


def search_page(request: HttpRequest) -> HttpResponse:
    """``/search/?q=…&category=…``: the same query and engine as the search API."""
    pairs = _params(request)
    form = SearchParamsSerializer(data=request.GET)
    context = {
        "q": request.GET.get("q", ""),
        "pairs": pairs,
        "sort_options": list(SORT_LABELS.items()),
        "sort": request.GET.get("sort", "relevance") or "relevance",
        "price_max": request.GET.get("price_max", ""),
    }
    if not form.is_valid():
        context["errors"] = [
            (FACET_TITLES.get(name, name), " ".join(str(m) for m in messages))
            for name, messages in form.errors.items()
        ]
        return render(request, "public/search.html", context, status=400)
    # the page always shows facets and highlights, whatever the address asks of the API's switches
    query = dataclasses.replace(form.to_query(), page_size=PAGE_SIZE, facets=True, highlight=True)
    try:
        result, solutions = selectors.solution_search(query=query)
    except SearchUnavailable:
        return render(request, "public/search_unavailable.html", context, status=503)

    language = (get_language() or "ko")[:2]
    other = "en" if language == "ko" else "ko"
    hits = {h.solution_id: h for h in result.hits}
    rows = []
    for solution in solutions:
        hl = hits[solution.pk].highlights
        name_hl = hl.get(f"name_{language}") or []
        # the summary in the page's language, else the other one: marked with the language shown
        summary_lang = language
        summary_hl = hl.get(f"summary_{language}")
        if not summary_hl and hl.get(f"summary_{other}"):
            summary_hl, summary_lang = hl[f"summary_{other}"], other
        elif not summary_hl and not getattr(solution, f"summary_{language}"):
            summary_lang = other
        rows.append(
            {
                "solution": solution,
                "name": safe_highlight(name_hl[0]) if name_hl else pick(solution, "name", language),
                # a lang attribute only where a text is not in the page's language
                "name_lang": "" if getattr(solution, f"name_{language}") else other,
                "plain_name": pick(solution, "name", language),
                "summary": safe_highlight(summary_hl[0])
                if summary_hl
                else pick(solution, "summary", language),
                "summary_lang": "" if summary_lang == language else summary_lang,
                "category": solution.get_category_display(),
                "vendor": solution.vendor.display_name,
            }
        )
    active = set(pairs)
    facets = []
    for facet in LIST_PARAMS:
        counts = result.facets.get(facet) or {}
        chosen = [v for n, v in pairs if n == facet]
        values = [
            {"value": v, "label": facet_label(facet, v), "count": n, "checked": v in chosen}
            for v, n in counts.items()
        ]
        values += [
            {"value": v, "label": facet_label(facet, v), "count": 0, "checked": True}
            for v in chosen
            if v not in counts
        ]
        if values:
            facets.append({"name": facet, "title": FACET_TITLES[facet], "values": values})
    chips = [
        {
            "label": _("Words: %(q)s") % {"q": v}
            if n == "q"
            else (
                _("Price up to %(p)s KRW") % {"p": v}
                if n == "price_max"
                else f"{FACET_TITLES.get(n, n)}: {facet_label(n, v)}"
            ),
            "url": _url([p for p in pairs if p != (n, v)]),
        }
        for n, v in pairs
        if n not in ("sort", "language", "valid_on")
    ]
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    page = result.page
    context.update(
        {
            "rows": rows,
            "total": result.total,
            "corrected": result.corrected_text,
            "facets": facets,
            "chips": chips,
            "active": active,
            "page": page,
            "pages": pages,
            "prev_url": _url(pairs, page=page - 1) if page > 1 else None,
            "next_url": _url(pairs, page=page + 1) if page < pages else None,
            "page_links": [
                (n, _url(pairs, page=n)) for n in range(max(1, page - 3), min(pages, page + 3) + 1)
            ],
            "first_url": _url(pairs),
            "clear_url": _url([p for p in pairs if p[0] == "q"]),
        }
    )
    return render(request, "public/search.html", context)
