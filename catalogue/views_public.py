"""Public web pages: home, solution page, compare, dashboard; plus the chart geometry they draw."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .models import Kpi, Pilot, Solution, Verification
from .texts import pick
from .vocabularies import Category, Deployment, Tier

COMPARE_MAX = 4
COMPARE_SESSION_KEY = "compare_ids"
EXPIRING_DAYS = 90

COUNTRY_NAMES = {
    "KR": gettext_lazy("South Korea"),
    "VN": gettext_lazy("Vietnam"),
    "ID": gettext_lazy("Indonesia"),
    "AE": gettext_lazy("United Arab Emirates"),
    "PE": gettext_lazy("Peru"),
    "PL": gettext_lazy("Poland"),
    "US": gettext_lazy("United States"),
    "JP": gettext_lazy("Japan"),
    "CN": gettext_lazy("China"),
    "SG": gettext_lazy("Singapore"),
    "TH": gettext_lazy("Thailand"),
    "MY": gettext_lazy("Malaysia"),
    "PH": gettext_lazy("Philippines"),
    "IN": gettext_lazy("India"),
    "SA": gettext_lazy("Saudi Arabia"),
    "QA": gettext_lazy("Qatar"),
    "KZ": gettext_lazy("Kazakhstan"),
    "UZ": gettext_lazy("Uzbekistan"),
    "MN": gettext_lazy("Mongolia"),
    "CL": gettext_lazy("Chile"),
    "CO": gettext_lazy("Colombia"),
    "BR": gettext_lazy("Brazil"),
    "MX": gettext_lazy("Mexico"),
    "DE": gettext_lazy("Germany"),
    "FR": gettext_lazy("France"),
    "GB": gettext_lazy("United Kingdom"),
    "ES": gettext_lazy("Spain"),
    "KE": gettext_lazy("Kenya"),
    "EG": gettext_lazy("Egypt"),
}


def country_name(code: str) -> str:
    """The country's name in the active language, or its code when unknown."""
    return str(COUNTRY_NAMES.get(code, code))


# --- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """Geometry of a horizontal bar chart drawn as inline SVG by public/_bar_chart.html."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    label_width: int
    bar_area: int
    height: int
    row: int = 28

    @property
    def width(self) -> int:
        return self.label_width + self.bar_area + 120


def bar_chart(
    *, id: str, title: str, description: str, rows: list[tuple[str, float, str]]
) -> BarChart:
    """Bars scaled to the largest value; ``rows`` are (label, value, text shown beside the bar)."""
    row, bar_area = 28, 360
    longest = max((len(label) for label, _v, _t in rows), default=4)
    label_width = min(220, max(90, longest * 9))
    top = max((abs(v) for _l, v, _t in rows), default=0) or 1
    bars = [
        Bar(
            label=label,
            value=value,
            text=text,
            y=i * row,
            width=round(max(0.0, value) / top * bar_area, 1),
        )
        for i, (label, value, text) in enumerate(rows)
    ]
    return BarChart(
        id=id,
        title=title,
        description=description,
        bars=bars,
        label_width=label_width,
        bar_area=bar_area,
        height=max(row, len(bars) * row) + 4,
        row=row,
    )


def _number(value: float) -> str:
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _with_unit(value: float, unit: str) -> str:
    text = _number(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


@dataclass(frozen=True)
class KpiChart:
    """One KPI as a before→after pair of bars."""

    id: str
    indicator: str
    unit: str
    baseline_text: str
    result_text: str
    baseline_width: float
    result_width: float
    improvement: float | None
    improvement_text: str
    better_text: str
    good: bool


def kpi_chart(kpi: Kpi) -> KpiChart:
    """The geometry and texts of a KPI's before→after chart."""
    area = 300
    top = max(abs(kpi.baseline), abs(kpi.result)) or 1
    improvement = kpi.improvement
    if improvement is None:
        improvement_text = _("no baseline to compare")
    elif improvement >= 0:
        improvement_text = _("%(pct)s%% better") % {"pct": f"{improvement * 100:.1f}"}
    else:
        improvement_text = _("%(pct)s%% worse") % {"pct": f"{-improvement * 100:.1f}"}
    return KpiChart(
        id=f"kpi-{kpi.pk}",
        indicator=kpi.indicator,
        unit=kpi.unit,
        baseline_text=_with_unit(kpi.baseline, kpi.unit),
        result_text=_with_unit(kpi.result, kpi.unit),
        baseline_width=round(abs(kpi.baseline) / top * area, 1),
        result_width=round(abs(kpi.result) / top * area, 1),
        improvement=improvement,
        improvement_text=improvement_text,
        better_text=str(kpi.get_better_display()),
        good=improvement is None or improvement >= 0,
    )


def deployment_text(values: list[str]) -> str:
    """Deployment codes as words in the active language."""
    labels = dict(Deployment.choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


# --- certification badges -------------------------------------------------------------------


def certification_state(certification, today: dt.date) -> str:
    """``valid``, ``expiring`` (within 90 days), ``expired``, ``not-yet`` or ``rejected``."""
    if certification.verification == Verification.REJECTED:
        return "rejected"
    if certification.valid_from and certification.valid_from > today:
        return "not-yet"
    until = certification.valid_until
    if until is None:
        return "valid"
    if until < today:
        return "expired"
    if until <= today + dt.timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


BADGE_TEXT = {
    "valid": gettext_lazy("Valid"),
    "expiring": gettext_lazy("Expires within 90 days"),
    "expired": gettext_lazy("Expired"),
    "not-yet": gettext_lazy("Not yet valid"),
    "rejected": gettext_lazy("Rejected"),
}


# --- pages ------------------------------------------------------------------------------------


def catalogue_figures() -> dict[str, int]:
    """Home page figures: published solutions, verified pilots, categories, countries."""
    published = Solution.objects.published()
    pilots = Pilot.objects.filter(solution__in=published)
    countries = set(pilots.values_list("country", flat=True))
    for refs in published.values_list("reference_countries", flat=True):
        countries.update(refs or [])
    return {
        "solutions": published.count(),
        "verified_pilots": pilots.filter(verification=Verification.VERIFIED).count(),
        "categories": published.values("category").distinct().count(),
        "countries": len(countries),
    }


def home(request: HttpRequest) -> HttpResponse:
    """The front page: what the exchange is, a search box, what each visitor can do, figures."""
    counts = _published_by_category()
    categories = [
        (value, label, counts[value]) for value, label in Category.choices if counts.get(value)
    ]
    return render(
        request,
        "public/home.html",
        {"figures": catalogue_figures(), "categories": categories},
    )


def _published_by_category() -> dict[str, int]:
    rows = Solution.objects.published().values("category").annotate(n=Count("id"))
    return {row["category"]: row["n"] for row in rows}


def solution_detail(request: HttpRequest, solution_id: int) -> HttpResponse:
    """A solution: texts in both languages, images, certifications, pilots with KPI charts."""
    solution = selectors.solution_get(user=request.user, solution_id=solution_id)
    today = timezone.localdate()
    language = (get_language() or "ko")[:2]
    other = "en" if language == "ko" else "ko"
    texts = []
    for lang in (language, other):
        name = getattr(solution, f"name_{lang}")
        summary = getattr(solution, f"summary_{lang}")
        description = getattr(solution, f"description_{lang}")
        if name or summary or description:
            texts.append({"lang": lang, "name": name, "summary": summary, "desc": description})
    certifications = [
        (c, certification_state(c, today), BADGE_TEXT[certification_state(c, today)])
        for c in solution.certifications.all()
    ]
    # A pilot the operator rejected stays listed, marked so, but its figures are not charted.
    pilots = [
        (
            pilot,
            pick(pilot, "summary", language),
            [kpi_chart(k) for k in pilot.kpis.all()] if pilot.counts_as_evidence else [],
        )
        for pilot in solution.pilots.all()
    ]
    compare_ids = _compare_ids(request)
    return render(
        request,
        "public/solution_detail.html",
        {
            "solution": solution,
            "name": pick(solution, "name", language),
            # The heading's language: the page's, unless the name is only in the other one.
            "name_lang": language if getattr(solution, f"name_{language}") else other,
            "texts": texts,
            "images": list(solution.images.all()),
            "certifications": certifications,
            "pilots": pilots,
            "countries": [(c, country_name(c)) for c in solution.reference_countries],
            "deployment": deployment_text(solution.deployment),
            "vendor_name": solution.vendor.display_name,
            "in_compare": solution.pk in compare_ids,
            "compare_full": len(compare_ids) >= COMPARE_MAX,
            "today": today,
        },
    )


def _compare_ids(request: HttpRequest) -> list[int]:
    return [int(i) for i in request.session.get(COMPARE_SESSION_KEY, []) if str(i).isdigit()]


def _parse_ids(raw: str) -> list[int] | None:
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            return None
        ids.append(int(part))
    return list(dict.fromkeys(ids))


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@require_POST
def compare_add(request: HttpRequest) -> HttpResponse:
    """Put a solution in the compare tray (kept in the session, at most four)."""
    raw = request.POST.get("solution", "")
    ids = _compare_ids(request)
    if not raw.isdigit():
        return render(
            request,
            "public/compare.html",
            {"error": _("Choose a solution to compare."), "rows": [], "solutions": []},
            status=400,
        )
    solution = selectors.solution_get(user=request.user, solution_id=int(raw))
    if solution.pk not in ids:
        if len(ids) >= COMPARE_MAX:
            messages.error(
                request, _("You can compare at most %(n)d solutions.") % {"n": COMPARE_MAX}
            )
            return _back(request, "catalogue:compare")
        ids.append(solution.pk)
    request.session[COMPARE_SESSION_KEY] = ids
    return _back(request, "catalogue:compare")


@require_POST
def compare_remove(request: HttpRequest) -> HttpResponse:
    """Take a solution out of the compare tray."""
    raw = request.POST.get("solution", "")
    ids = [i for i in _compare_ids(request) if str(i) != raw]
    request.session[COMPARE_SESSION_KEY] = ids
    return _back(request, "catalogue:compare")


def compare(request: HttpRequest) -> HttpResponse:
    """Up to four solutions side by side: ``?ids=1,2,3`` (shareable) or the session's tray."""
    if "ids" in request.GET:
        ids = _parse_ids(request.GET["ids"])
        if ids is None:
            return render(
                request,
                "public/compare.html",
                {"error": _("ids: use solution numbers separated by commas, e.g. 1,2,3.")},
                status=400,
            )
        if len(ids) > COMPARE_MAX:
            return render(
                request,
                "public/compare.html",
                {"error": _("ids: compare at most %(n)d solutions.") % {"n": COMPARE_MAX}},
                status=400,
            )
        shared = True
    else:
        ids = _compare_ids(request)
        shared = False
    visible = {s.pk: s for s in selectors.solution_list(user=request.user).filter(pk__in=ids)}
    solutions = [visible[i] for i in ids if i in visible]
    today = timezone.localdate()
    language = (get_language() or "ko")[:2]
    columns = []
    for s in solutions:
        pilots = [p for p in s.pilots.all() if p.counts_as_evidence]
        kpis = [k for p in pilots for k in p.kpis.all()]
        improvements = [k.improvement for k in kpis if k.improvement is not None]
        columns.append(
            {
                "solution": s,
                "name": pick(s, "name", language),
                "summary": pick(s, "summary", language),
                "vendor": s.vendor.display_name,
                "category": s.get_category_display(),
                "price": _price_text(s),
                "deployment": deployment_text(s.deployment),
                "standards": ", ".join(s.standards),
                "countries": ", ".join(country_name(c) for c in s.reference_countries),
                "trl": s.trl or "–",
                "certifications": [
                    (c, BADGE_TEXT[certification_state(c, today)], certification_state(c, today))
                    for c in s.certifications.all()
                ],
                "pilots": len(pilots),
                "verified_pilots": sum(
                    1 for p in pilots if p.verification == Verification.VERIFIED
                ),
                "best_kpi": (f"{max(improvements) * 100:.1f}%" if improvements else "–"),
            }
        )
    share_ids = ",".join(str(s.pk) for s in solutions)
    return render(
        request,
        "public/compare.html",
        {
            "columns": columns,
            "shared": shared,
            "share_ids": share_ids,
            "compare_max": COMPARE_MAX,
        },
    )


def _price_text(solution: Solution) -> str:
    if solution.price_min is None and solution.price_max is None:
        return "–"
    low = f"{solution.price_min:,.0f}" if solution.price_min is not None else ""
    high = f"{solution.price_max:,.0f}" if solution.price_max is not None else ""
    span = f"{low}–{high}" if low and high and low != high else (low or high)
    return f"{span} {solution.currency}".strip()


def dashboard_figures() -> dict[str, list[tuple[str, float, str]]]:
    """Rows of the dashboard charts: (label, value, text), computed from the live catalogue."""
    published = Solution.objects.published()
    by_category = _published_by_category()
    solutions_rows = [
        (str(label), by_category[value], str(by_category[value]))
        for value, label in Category.choices
        if value in by_category
    ]
    tier_counts = Counter(
        Pilot.objects.filter(solution__in=published, verification=Verification.VERIFIED)
        .exclude(tier="")
        .values_list("tier", flat=True)
    )
    tier_rows = [
        (str(label), tier_counts[value], str(tier_counts[value]))
        for value, label in Tier.choices
        if tier_counts.get(value)
    ]
    gains: dict[str, list[float]] = defaultdict(list)
    kpis = Kpi.objects.filter(pilot__solution__in=published).exclude(
        pilot__verification=Verification.REJECTED
    )
    for kpi in kpis.select_related("pilot__solution"):
        if kpi.improvement is not None:
            gains[kpi.pilot.solution.category].append(kpi.improvement)
    kpi_rows = []
    for value, label in Category.choices:
        if gains.get(value):
            middle = statistics.median(gains[value]) * 100
            kpi_rows.append(
                (str(label), round(middle, 1), f"{middle:.1f}% (n={len(gains[value])})")
            )
    return {
        "solutions": solutions_rows,
        "tiers": tier_rows,
        "kpis": kpi_rows,
        "matches": _status_rows("matching", "Match"),
        "registrations": _status_rows("matching", "Registration"),
    }


def _status_rows(app_label: str, model_name: str) -> list[tuple[str, float, str]] | None:
    """Counts by ``status`` of another app's model (None when that model does not exist)."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    counts = dict(model.objects.values_list("status").annotate(n=Count("id")).order_by())
    choices = model._meta.get_field("status").choices or [(k, k) for k in counts]
    return [
        (str(label), counts[value], str(counts[value]))
        for value, label in choices
        if value in counts
    ]


def dashboard(request: HttpRequest) -> HttpResponse:
    """The programme at a glance: bar charts of the live catalogue and matching."""
    figures = dashboard_figures()
    charts = [
        bar_chart(
            id="chart-solutions",
            title=_("Published solutions by category"),
            description=_("Number of published solutions in each category."),
            rows=figures["solutions"],
        ),
        bar_chart(
            id="chart-tiers",
            title=_("Verified pilots by municipality tier"),
            description=_("Number of operator-verified pilots in each tier of municipality."),
            rows=figures["tiers"],
        ),
        bar_chart(
            id="chart-kpis",
            title=_("Median KPI improvement by category"),
            description=_(
                "Median relative improvement of pilot KPIs, in percent, in the good direction; "
                "n is the number of KPIs."
            ),
            rows=figures["kpis"],
        ),
    ]
    if figures["matches"] is not None:
        charts.append(
            bar_chart(
                id="chart-matches",
                title=_("Matches by status"),
                description=_("Number of solution matches with needs and leads, by status."),
                rows=figures["matches"],
            )
        )
    if figures["registrations"] is not None:
        charts.append(
            bar_chart(
                id="chart-registrations",
                title=_("Procurement registrations by status"),
                description=_("Number of procurement registrations in each status."),
                rows=figures["registrations"],
            )
        )
    return render(
        request,
        "public/dashboard.html",
        {
            "charts": charts,
            "figures": catalogue_figures(),
            "has_registrations": bool(figures["registrations"] is not None),
        },
    )
