"""Web pages of the municipality (buyer) and export-agency workspaces.

Thin views over the same services as the API. A need or lead of another organisation is
"not found" (404) here, whether it is published or not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue.forms_workspace import apply_service_errors
from catalogue.models import Organisation
from catalogue.views_workspace import role_required

from . import imports, registrations, selectors, services
from . import weights as W
from .forms import (
    LeadUploadForm,
    MatchDecisionForm,
    NeedForm,
    RegistrationOpenForm,
    RegistrationTransitionForm,
)
from .models import Lead, Match, Need, Registration

COMPARE_MAX = 4
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _factor_labels() -> dict[str, str]:
    return {
        "text": _("Fit of the texts"),
        "category": _("Category"),
        "certification": _("Required certifications"),
        "budget": _("Budget"),
        "city_size": _("Pilots in cities of this size"),
        "evidence": _("Verified pilot evidence"),
        "readiness": _("Readiness (languages, countries)"),
        "recency": _("Recent activity"),
    }


def _title(obj, language: str) -> str:
    first, second = ("en", "ko") if language == "en" else ("ko", "en")
    for attr in (f"title_{first}", f"title_{second}", f"name_{first}", f"name_{second}"):
        value = getattr(obj, attr, "")
        if value:
            return value
    return str(obj)


def match_rows(matches: Iterable[Match], language: str | None = None) -> list[dict]:
    """Matches ready for a template: explanation in the page's language and a labelled breakdown."""
    language = (language or get_language() or "ko")[:2]
    labels = _factor_labels()
    rows = []
    for match in matches:
        factors = (match.breakdown or {}).get("factors", {})
        target = match.need if match.need_id else match.lead
        where = ""
        if match.lead_id:
            where = ", ".join(p for p in (match.lead.city, match.lead.country) if p)
        elif match.need_id:
            need = match.need
            where = need.organisation.display_name if need.organisation_id else need.buyer_name
        rows.append(
            {
                "match": match,
                "score_percent": f"{round(match.score * 100)}",
                "explanation": match.explanation(language) or match.explanation_en,
                "solution_name": _title(match.solution, language),
                "target_title": _title(target, language),
                "target_where": where,
                "factors": [
                    {
                        "label": labels.get(name, name),
                        "percent": f"{round(values.get('value', 0) * 100)} %",
                        "weight": values.get("weight", ""),
                    }
                    for name, values in factors.items()
                ],
            }
        )
    return rows


def _decision_rows(matches, bound: dict | None = None) -> list[dict]:
    """Match rows with their decision form and, once shortlisted, the registration form."""
    bound = bound or {}
    rows = match_rows(matches)
    opened: dict[int, list[Registration]] = {}
    for registration in Registration.objects.filter(match__in=[r["match"] for r in rows]):
        opened.setdefault(registration.match_id, []).append(registration)
    for row in rows:
        match = row["match"]
        row["form"] = bound.get(match.pk) or MatchDecisionForm(prefix=f"m{match.pk}")
        row["next"] = sorted(services.ALLOWED_TRANSITIONS[match.status])
        row["registrations"] = opened.get(match.pk, [])
        row["can_register"] = match.status in registrations.OPEN_FROM
        row["registration_form"] = bound.get(f"r{match.pk}") or RegistrationOpenForm(
            prefix=f"r{match.pk}"
        )
    return rows


def split_shortlist(matches: list[Match], show_all: bool) -> tuple[list[Match], int]:
    """The shortlist (near the best score, or already decided on) and how many others are hidden."""
    if show_all:
        return matches, 0
    best = max((m.score for m in matches), default=0.0)
    shown = [
        m
        for m in matches
        if m.score >= W.MIN_RELATIVE_SCORE * best or m.status != Match.Status.SUGGESTED
    ]
    return shown, len(matches) - len(shown)


def _compare_url(matches: list[Match]) -> str:
    chosen = [m for m in matches if m.status == Match.Status.SHORTLISTED] or [
        m for m in matches if m.status != Match.Status.DECLINED
    ]
    ids = ",".join(str(m.solution_id) for m in chosen[:COMPARE_MAX])
    return f"{reverse('catalogue:compare')}?ids={ids}" if ids else ""


def _set_status(request, match: Match, prefix: str):
    """Apply a decision form; return (ok, form)."""
    form = MatchDecisionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.match_set_status(
                match=match,
                status=form.cleaned_data["status"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return True, form
    return False, form


# --- municipality (buyer) -------------------------------------------------------------------


def _own_needs(request):
    return selectors.need_list(user=request.user).filter(
        organisation_id=request.user.organisation_id
    )


def _own_need(request, need_id: int) -> Need:
    return get_object_or_404(_own_needs(request), pk=need_id)


@role_required(Organisation.Kind.MUNICIPALITY)
def buyer_home(request: HttpRequest) -> HttpResponse:
    """The municipality's needs with their status and how many matches each has."""
    needs = selectors.with_candidate_counts(_own_needs(request)).order_by("-updated_at", "-id")
    return render(request, "matching/buyer_home.html", {"needs": needs})


@role_required(Organisation.Kind.MUNICIPALITY)
def buyer_need_create(request: HttpRequest) -> HttpResponse:
    """Post a need (a draft until published)."""
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The need is saved as a draft. Publish it to match it."))
            return redirect("matching:buyer-need", need_id=need.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matching/need_form.html", {"form": form, "need": None}, status=status)


@role_required(Organisation.Kind.MUNICIPALITY)
def buyer_need_edit(request: HttpRequest, need_id: int) -> HttpResponse:
    """Edit a need; a published one is matched again."""
    need = _own_need(request, need_id)
    if request.method == "POST":
        form = NeedForm(request.POST)
        if form.is_valid():
            try:
                services.need_update(user=request.user, need=need, data=form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("matching:buyer-need", need_id=need.pk)
        return render(request, "matching/need_form.html", {"form": form, "need": need}, status=400)
    form = NeedForm(initial=NeedForm.initial_for(need))
    return render(request, "matching/need_form.html", {"form": form, "need": need})


def _need_page(request, need: Need, status: int = 200, bound=None) -> HttpResponse:
    matches = list(selectors.match_list(need=need).select_related("need"))
    shown, hidden = split_shortlist(matches, bool(request.GET.get("all") or bound))
    context = {
        "need": need,
        "rows": _decision_rows(shown, bound),
        "hidden": hidden,
        "compare_url": _compare_url(matches),
    }
    return render(request, "matching/need_detail.html", context, status=status)


def _vendor_opportunity(request, target: Need | Lead) -> HttpResponse:
    """Read-only: what the buyer asks, and how the vendor's own solutions matched it."""
    kind = "need" if isinstance(target, Need) else "lead"
    matches = (
        selectors.match_list(**{kind: target})
        .filter(solution__vendor_id=request.user.organisation_id)
        .select_related("need", "lead")
    )
    buyer = ""
    if kind == "need":
        buyer = target.organisation.display_name if target.organisation_id else target.buyer_name
    else:
        buyer = target.buyer
    context = {
        "target": target,
        "kind": kind,
        "title": _title(target, (get_language() or "ko")[:2]),
        "buyer": buyer,
        "rows": match_rows(matches),
    }
    return render(request, "matching/vendor_opportunity.html", context)


def _matched_by_vendor(request, opportunities):
    """Those of ``opportunities`` a current match links to one of the vendor's solutions."""
    return opportunities.filter(
        matches__solution__vendor_id=request.user.organisation_id, matches__stale=False
    ).distinct()


@role_required(Organisation.Kind.VENDOR)
def vendor_need(request: HttpRequest, need_id: int) -> HttpResponse:
    """A published need one of the vendor's solutions matched (any other: not found)."""
    needs = selectors.need_list(user=request.user).filter(status=Need.Status.PUBLISHED)
    return _vendor_opportunity(
        request, get_object_or_404(_matched_by_vendor(request, needs), pk=need_id)
    )


@role_required(Organisation.Kind.VENDOR)
def vendor_lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    """An open lead one of the vendor's solutions matched (any other: not found)."""
    leads = selectors.lead_list(user=request.user).filter(status=Lead.Status.OPEN)
    return _vendor_opportunity(
        request, get_object_or_404(_matched_by_vendor(request, leads), pk=lead_id)
    )


@role_required(Organisation.Kind.MUNICIPALITY)
def buyer_need(request: HttpRequest, need_id: int) -> HttpResponse:
    """A need with its ranked, explained shortlist and the decisions on it."""
    return _need_page(request, _own_need(request, need_id))


@role_required(Organisation.Kind.MUNICIPALITY)
@require_POST
def buyer_need_publish(request: HttpRequest, need_id: int) -> HttpResponse:
    """Publish a need: vendors see it, and it is matched against the catalogue."""
    need = _own_need(request, need_id)
    try:
        services.need_publish(user=request.user, need=need)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Published and matched."))
    return redirect("matching:buyer-need", need_id=need.pk)


@role_required(Organisation.Kind.MUNICIPALITY)
@require_POST
def buyer_need_rematch(request: HttpRequest, need_id: int) -> HttpResponse:
    """Match a published need again (decisions already made are kept)."""
    need = _own_need(request, need_id)
    if need.status == Need.Status.PUBLISHED:
        services.need_match(need=need)
        messages.success(request, _("The shortlist is up to date."))
    return redirect("matching:buyer-need", need_id=need.pk)


@role_required(Organisation.Kind.MUNICIPALITY)
@require_POST
def buyer_match_status(request: HttpRequest, match_id: int) -> HttpResponse:
    """Shortlist, decline (with a reason) or move a match of one's own need."""
    match = get_object_or_404(
        Match.objects.select_related("need"),
        pk=match_id,
        need__organisation_id=request.user.organisation_id,
    )
    ok, form = _set_status(request, match, f"m{match.pk}")
    if ok:
        messages.success(request, _("The decision is recorded."))
        return redirect(reverse("matching:buyer-need", args=[match.need_id]) + f"#match-{match.pk}")
    return _need_page(request, match.need, status=400, bound={match.pk: form})


# --- export agency --------------------------------------------------------------------------


def _agency_leads(request):
    return selectors.lead_list(user=request.user).filter(
        Q(organisation_id=request.user.organisation_id) | Q(organisation__isnull=True)
    )


def _agency_page(request, form=None, report=None, status: int = 200) -> HttpResponse:
    leads = selectors.with_candidate_counts(_agency_leads(request)).order_by("-created_at", "-id")
    context = {
        "form": form or LeadUploadForm(),
        "report": report,
        "leads": leads,
        "columns": imports.CSV_COLUMNS,
        "jobs": _recent_imports(request),
    }
    return render(request, "matching/agency_home.html", context, status=status)


def _recent_imports(request):
    from jobs.selectors import job_list

    return job_list(user=request.user).filter(kind__in=list(JOB_KINDS.values()))[:5]


@role_required(Organisation.Kind.AGENCY)
def agency_home(request: HttpRequest) -> HttpResponse:
    """The agency's leads and the upload form."""
    return _agency_page(request)


JOB_KINDS = {
    "csv": "leads_csv_import",
    "ocds": "leads_ocds_import",
    "exchange": "leads_exchange_import",
}


@role_required(Organisation.Kind.AGENCY)
@require_POST
def agency_upload(request: HttpRequest) -> HttpResponse:
    """Start an import job for the file (then its page shows the progress)."""
    from jobs.services import job_create

    form = LeadUploadForm(request.POST, request.FILES)
    try:
        imports._check_actor(request.user)  # before the job: a pending agency is told here
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _agency_page(request, form=form, status=403)
    if not form.is_valid():
        return _agency_page(request, form=form, status=400)
    fmt = form.cleaned_data["format"]
    params = {}
    if fmt == "ocds" and form.cleaned_data["default_country"]:
        params["default_country"] = form.cleaned_data["default_country"]
    try:
        job = job_create(
            kind=JOB_KINDS[fmt],
            actor=request.user,
            upload=form.cleaned_data["file"],
            params=params,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _agency_page(request, form=form, status=400)
    return redirect("job", job_id=job.pk)


@role_required(Organisation.Kind.AGENCY)
def agency_template(request: HttpRequest) -> HttpResponse:
    """The CSV template: the header row and one example lead."""
    return FileResponse(
        imports.TEMPLATE.open("rb"),
        as_attachment=True,
        filename="leads-template.csv",
        content_type="text/csv; charset=utf-8",
    )


def _own_lead(request, lead_id: int) -> Lead:
    return get_object_or_404(_agency_leads(request), pk=lead_id)


def _lead_page(request, lead: Lead, status: int = 200, bound=None) -> HttpResponse:
    matches = list(selectors.match_list(lead=lead).select_related("lead"))
    shown, hidden = split_shortlist(matches, bool(request.GET.get("all") or bound))
    context = {
        "lead": lead,
        "rows": _decision_rows(shown, bound),
        "hidden": hidden,
        "compare_url": _compare_url(matches),
    }
    return render(request, "matching/lead_detail.html", context, status=status)


@role_required(Organisation.Kind.AGENCY)
def agency_lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead with its matches."""
    lead = _own_lead(request, lead_id)
    if not lead.matches.exists() and lead.status == Lead.Status.OPEN:
        services.lead_match(lead=lead)
    return _lead_page(request, lead)


@role_required(Organisation.Kind.AGENCY)
@require_POST
def agency_lead_rematch(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Match a lead again (decisions already made are kept)."""
    lead = _own_lead(request, lead_id)
    services.lead_match(lead=lead)
    messages.success(request, _("The matches are up to date."))
    return redirect("matching:agency-lead", lead_id=lead.pk)


@role_required(Organisation.Kind.AGENCY)
@require_POST
def agency_match_status(request: HttpRequest, match_id: int) -> HttpResponse:
    """Shortlist, decline (with a reason) or move a match of a lead."""
    leads = _agency_leads(request)
    match = get_object_or_404(
        Match.objects.select_related("lead"), pk=match_id, lead_id__in=leads.values("id")
    )
    ok, form = _set_status(request, match, f"m{match.pk}")
    if ok:
        messages.success(request, _("The decision is recorded."))
        return redirect(
            reverse("matching:agency-lead", args=[match.lead_id]) + f"#match-{match.pk}"
        )
    return _lead_page(request, match.lead, status=400, bound={match.pk: form})


def safe_cell(value):
    """A spreadsheet cell that cannot run as a formula: text starting = + - @ gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


EXPORT_HEADER = (
    "rank", "solution_id", "solution", "vendor", "score", "compliant", "violations", "status",
    "explanation", "url",
)  # fmt: skip


def shortlist_rows(request, lead: Lead) -> list[list]:
    """The lead's shortlist for export: shortlisted matches, else all matches not declined."""
    language = (get_language() or "ko")[:2]
    matches = list(selectors.match_list(lead=lead).select_related("solution__vendor"))
    chosen = [m for m in matches if m.status not in (Match.Status.SUGGESTED, "declined")] or [
        m for m in matches if m.status != Match.Status.DECLINED
    ]
    rows = []
    for match in chosen:
        rows.append(
            [
                match.rank,
                match.solution_id,
                _title(match.solution, language),
                match.solution.vendor.display_name,
                round(match.score, 4),
                "yes" if match.compliant else "no",
                "; ".join(match.violations or []),
                match.status,
                match.explanation(language) or match.explanation_en,
                request.build_absolute_uri(reverse("catalogue:solution", args=[match.solution_id])),
            ]
        )
    return rows


@role_required(Organisation.Kind.AGENCY)
def agency_export(request: HttpRequest, lead_id: int, fmt: str) -> HttpResponse:
    """The lead's shortlist as CSV or Excel, with formula injection neutralised."""
    lead = _own_lead(request, lead_id)
    rows = [[safe_cell(v) for v in row] for row in shortlist_rows(request, lead)]
    name = f"shortlist-{lead.public_id}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so Excel reads UTF-8 (Korean) correctly
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "shortlist"
    sheet.append(list(EXPORT_HEADER))
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- procurement registrations (buyers and agencies) ----------------------------------------


def _can_register(request) -> None:
    if request.user.kind not in (Organisation.Kind.MUNICIPALITY, Organisation.Kind.AGENCY):
        raise PermissionDenied(_("This workspace is not for your organisation."))


def _registration_match(request, match_id: int) -> Match:
    """A match of the user's own need, or of a lead the user's agency holds; else 404."""
    matches = Match.objects.select_related("need", "lead", "solution")
    if request.user.kind == Organisation.Kind.MUNICIPALITY:
        return get_object_or_404(
            matches, pk=match_id, need__organisation_id=request.user.organisation_id
        )
    return get_object_or_404(matches, pk=match_id, lead_id__in=_agency_leads(request).values("id"))


@require_POST
def registration_open(request: HttpRequest, match_id: int) -> HttpResponse:
    """Open a procurement registration from a shortlisted match."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _can_register(request)
    match = _registration_match(request, match_id)
    form = RegistrationOpenForm(request.POST, prefix=f"r{match.pk}")
    if form.is_valid():
        try:
            registration = registrations.registration_open(
                user=request.user,
                match=match,
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The registration is open. Follow its checklist here."))
            return redirect("matching:registration", registration_id=registration.pk)
    bound = {f"r{match.pk}": form}
    if match.need_id:
        return _need_page(request, match.need, status=400, bound=bound)
    return _lead_page(request, match.lead, status=400, bound=bound)


def _own_registration(request, registration_id: int) -> Registration:
    own = registrations.registration_list(user=request.user).filter(
        organisation_id=request.user.organisation_id
    )
    return get_object_or_404(own, pk=registration_id)


def _registration_page(request, registration: Registration, status: int = 200, form=None):
    language = (get_language() or "ko")[:2]
    checks = registrations.checklist_dicts(registration)
    for check in checks:
        check["label"] = check["label_ko"] if language == "ko" else check["label_en"]
        check["detail"] = check["detail_ko"] if language == "ko" else check["detail_en"]
    match = registration.match
    back = (
        reverse("matching:buyer-need", args=[match.need_id])
        if match.need_id
        else reverse("matching:agency-lead", args=[match.lead_id])
    )
    labels = dict(Registration.Status.choices)
    owner_moves = [
        to for (frm, to), who in registrations.TRANSITIONS.items()
        if frm == registration.status and who == "owner"
    ]  # fmt: skip
    context = {
        "registration": registration,
        "checks": checks,
        "all_met": all(c["met"] for c in checks),
        "events": [
            (event, labels.get(event.from_status, ""), labels.get(event.to_status, ""))
            for event in registration.events.select_related("actor")
        ],
        "moves": owner_moves,
        "form": form or RegistrationTransitionForm(),
        "back_url": back,
        "target_title": _title(match.need or match.lead, language),
        "solution_name": _title(registration.solution, language),
        "dossier_url": reverse(
            "registration-dossier", kwargs={"pk": registration.pk, "fmt": "html"}
        ),
        "dossier_json_url": reverse(
            "registration-dossier", kwargs={"pk": registration.pk, "fmt": "json"}
        ),
    }
    return render(request, "matching/registration_detail.html", context, status=status)


def registration_detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    """A registration: its checklist (met and missing), status, audit trail and dossier."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _can_register(request)
    return _registration_page(request, _own_registration(request, registration_id))


@require_POST
def registration_transition(request: HttpRequest, registration_id: int) -> HttpResponse:
    """Submit a registration (its checklist must be met) or take it back to draft."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _can_register(request)
    registration = _own_registration(request, registration_id)
    form = RegistrationTransitionForm(request.POST)
    if form.is_valid():
        try:
            registrations.registration_transition(
                user=request.user,
                registration=registration,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The registration's status is updated."))
            return redirect("matching:registration", registration_id=registration.pk)
    return _registration_page(request, registration, status=400, form=form)
