"""Web pages of the vendor workspace and the operator's review queue.

Thin views: parse the form, call the same services as the API, put their errors next to the
fields. Another organisation's solution is "not found" (404), never a hint that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import images, permissions, selectors, selectors_organisations
from .forms_workspace import (
    CertificationForm,
    ImageForm,
    KpiForm,
    PilotForm,
    ReasonForm,
    SolutionForm,
    VerificationForm,
    apply_service_errors,
)
from .models import Certification, Kpi, Organisation, Pilot, Solution, SolutionImage
from .services import organisations as organisation_services
from .services import solutions as services
from .services.solutions import ServiceConflict


def role_required(kind: str) -> Callable:
    """Only signed-in people acting for a ``kind`` organisation (anonymous → sign in; else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if kind == Organisation.Kind.OPERATOR:
                allowed = user.is_operator()
            else:
                allowed = user.organisation_id is not None and user.organisation.kind == kind
            if not allowed:
                raise PermissionDenied(_("This workspace is not for your organisation."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _messages_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "message", error))


# --- vendor -------------------------------------------------------------------------------


def _own_solution(request: HttpRequest, solution_id: int) -> Solution:
    """The vendor's own solution, or 404 (another vendor's, published or not, is not found)."""
    own = selectors.solution_list(user=request.user).filter(vendor_id=request.user.organisation_id)
    return get_object_or_404(own, pk=solution_id)


@role_required(Organisation.Kind.VENDOR)
def vendor_home(request: HttpRequest) -> HttpResponse:
    """The vendor's solutions: review status, the operator's latest feedback, open opportunities."""
    from matching import selectors as matching_selectors

    solutions = list(
        selectors.solution_list(user=request.user)
        .filter(vendor_id=request.user.organisation_id)
        .prefetch_related("review_events")
        .order_by("-updated_at", "-id")
    )
    opportunities = matching_selectors.opportunity_counts(solution_ids=[s.pk for s in solutions])
    rows = []
    for solution in solutions:
        events = list(solution.review_events.all())
        rows.append(
            {
                "solution": solution,
                "last_event": events[0] if events else None,
                "opportunities": opportunities.get(solution.pk, 0),
            }
        )
    return render(
        request,
        "workspace/vendor_home.html",
        {"rows": rows, "organisation": request.user.organisation},
    )


@role_required(Organisation.Kind.VENDOR)
def vendor_solution_create(request: HttpRequest) -> HttpResponse:
    """A new draft solution."""
    form = SolutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            solution = services.solution_create(user=request.user, data=form.service_data())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The draft is saved. Add images, evidence and pilots."))
            return redirect("catalogue:vendor-solution", solution_id=solution.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "workspace/solution_form.html",
        {"form": form, "solution": None},
        status=status,
    )


@role_required(Organisation.Kind.VENDOR)
def vendor_solution_edit(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Edit every field of one's own solution (a stale version is refused, not overwritten)."""
    solution = _own_solution(request, solution_id)
    if request.method == "POST":
        form = SolutionForm(request.POST)
        if form.is_valid():
            try:
                services.solution_update(
                    user=request.user,
                    solution=solution,
                    data=form.service_data(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except services.VersionConflict as error:
                form = _form_on_current_version(request, solution, error)
            except ServiceConflict as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("catalogue:vendor-solution", solution_id=solution.pk)
        return render(
            request,
            "workspace/solution_form.html",
            {"form": form, "solution": solution},
            status=400,
        )
    form = SolutionForm(initial=SolutionForm.initial_for(solution))
    return render(request, "workspace/solution_form.html", {"form": form, "solution": solution})


def _form_on_current_version(request: HttpRequest, solution: Solution, error) -> SolutionForm:
    """The form as typed, moved onto the version saved meanwhile, saying which saved values
    saving it again would replace: nothing typed is lost, and nothing is overwritten unseen."""
    current = Solution.objects.get(pk=solution.pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = SolutionForm(data)
    form.is_valid()
    replaced = [
        str(form.fields[name].label)
        for name, value in form.service_data().items()
        if value != getattr(current, name)
    ]
    if replaced:
        advice = _(
            "What you typed is kept below. Saving it again replaces what is saved now in: "
            "%(fields)s."
        ) % {"fields": ", ".join(replaced)}
    else:
        advice = _("What you typed is what is saved now: there is nothing to save again.")
    form.add_error(None, f"{error.message} {advice}")
    return form


def _solution_page(request: HttpRequest, solution: Solution, status: int = 200, **forms):
    """The solution's workspace page with its forms (bound ones keep what was typed)."""
    from matching import services as matching_services
    from matching.views import match_rows

    solution = _own_solution(request, solution.pk)  # fresh, with evidence prefetched
    pilots = list(solution.pilots.all())
    kpi_forms = forms.pop("kpi_forms", {})
    context = {
        "solution": solution,
        "events": selectors.review_events(solution=solution),
        "image_form": forms.get("image_form") or ImageForm(),
        "certification_form": forms.get("certification_form") or CertificationForm(),
        "pilot_form": forms.get("pilot_form") or PilotForm(),
        "pilots": [
            (pilot, kpi_forms.get(pilot.pk) or KpiForm(prefix=f"kpi{pilot.pk}")) for pilot in pilots
        ],
        "opportunities": match_rows(
            matching_services.solution_opportunities(solution=solution, refresh=False)
        ),
        "can_submit": solution.status == Solution.Status.DRAFT,
        "archived": solution.status == Solution.Status.ARCHIVED,
        "organisation_approved": request.user.organisation.is_approved,
    }
    return render(request, "workspace/solution_detail.html", context, status=status)


@role_required(Organisation.Kind.VENDOR)
def vendor_solution(request: HttpRequest, solution_id: int) -> HttpResponse:
    """One solution: status, feedback, images, evidence, pilots, matching needs and leads."""
    return _solution_page(request, _own_solution(request, solution_id))


def _post_child(request, solution, form, create: Callable, form_name: str, success: str):
    if form.is_valid():
        try:
            create(form)
        except ValidationError as error:
            apply_service_errors(form, error)
        except (ServiceConflict, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, success)
            return redirect("catalogue:vendor-solution", solution_id=solution.pk)
    return _solution_page(request, solution, status=400, **{form_name: form})


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_image_add(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Upload an image: decoded, cleaned and re-encoded, or refused with the reason."""
    solution = _own_solution(request, solution_id)
    form = ImageForm(request.POST, request.FILES)

    def create(form):
        try:
            images.solution_image_create(
                user=request.user,
                solution=solution,
                upload=form.cleaned_data["image"],
                alt_en=form.cleaned_data["alt_en"],
                alt_ko=form.cleaned_data["alt_ko"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise ValidationError({"image": error.messages})

    return _post_child(request, solution, form, create, "image_form", _("The image is added."))


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_image_delete(request: HttpRequest, solution_id: int, image_id: int) -> HttpResponse:
    """Remove an image."""
    solution = _own_solution(request, solution_id)
    image = get_object_or_404(SolutionImage, pk=image_id, solution=solution)
    try:
        images.solution_image_delete(user=request.user, image=image)
    except ServiceConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The image is removed."))
    return redirect("catalogue:vendor-solution", solution_id=solution.pk)


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_certification_add(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Add a certification with its evidence file (waits for the operator's verification)."""
    solution = _own_solution(request, solution_id)
    form = CertificationForm(request.POST, request.FILES)

    def create(form):
        services.certification_create(
            user=request.user, solution=solution, data=form.service_data()
        )

    return _post_child(
        request, solution, form, create, "certification_form", _("The certification is added.")
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_pilot_add(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Add a pilot deployment."""
    solution = _own_solution(request, solution_id)
    form = PilotForm(request.POST)

    def create(form):
        services.pilot_create(user=request.user, solution=solution, data=form.cleaned_data)

    return _post_child(request, solution, form, create, "pilot_form", _("The pilot is added."))


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_kpi_add(request: HttpRequest, solution_id: int, pilot_id: int) -> HttpResponse:
    """Add a KPI to a pilot."""
    solution = _own_solution(request, solution_id)
    pilot = get_object_or_404(Pilot, pk=pilot_id, solution=solution)
    form = KpiForm(request.POST, prefix=f"kpi{pilot.pk}")
    if form.is_valid():
        try:
            services.kpi_create(user=request.user, pilot=pilot, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ServiceConflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The KPI is added."))
            return redirect("catalogue:vendor-solution", solution_id=solution.pk)
    return _solution_page(request, solution, status=400, kpi_forms={pilot.pk: form})


def _back_to_solution(solution: Solution) -> HttpResponse:
    return redirect("catalogue:vendor-solution", solution_id=solution.pk)


def _edit_evidence(
    request: HttpRequest,
    solution: Solution,
    *,
    form_class: type,
    instance,
    save: Callable,
    title: str,
    notice: str,
    success: str,
) -> HttpResponse:
    """Edit one piece of evidence with its add form: filled in on GET, saved on POST."""
    status, refusal = 200, None
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                save(form)
            except ValidationError as error:
                apply_service_errors(form, error)
            except (ServiceConflict, PermissionDenied) as error:
                form.add_error(None, _messages_of(error))
            else:
                messages.success(request, success)
                return _back_to_solution(solution)
        status = 400
    else:
        initial = {name: getattr(instance, name) for name in form_class.base_fields}
        initial.pop("evidence", None)  # a new file replaces it; none keeps the stored one
        form = form_class(initial=initial)
        try:
            services.ensure_editable(solution)
        except ServiceConflict as error:  # say so before anything is typed (POST: the service)
            refusal = error.message
    context = {
        "solution": solution,
        "form": form,
        "refusal": refusal,
        "item": instance,
        "title": title,
        "notice": notice,
    }
    return render(request, "workspace/evidence_form.html", context, status=status)


def _act_on(request: HttpRequest, solution: Solution, action: Callable, success: str):
    """Run a one-button action (delete, archive); its refusal becomes a message, not an error."""
    try:
        action()
    except (ServiceConflict, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, success)
    return _back_to_solution(solution)


@role_required(Organisation.Kind.VENDOR)
@require_http_methods(["GET", "POST"])
def vendor_certification_edit(
    request: HttpRequest, solution_id: int, certification_id: int
) -> HttpResponse:
    """Correct a certification (number, dates, evidence file); it is verified again."""
    solution = _own_solution(request, solution_id)
    cert = get_object_or_404(Certification, pk=certification_id, solution=solution)

    def save(form):
        services.certification_update(
            user=request.user, certification=cert, data=form.service_data()
        )

    return _edit_evidence(
        request,
        solution,
        form_class=CertificationForm,
        instance=cert,
        save=save,
        title=_("Edit certification"),
        notice=_(
            "Saving your changes sends this certification back to the operator: "
            "it is pending verification again."
        ),
        success=_("The certification is saved; it waits for the operator's verification."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_certification_delete(
    request: HttpRequest, solution_id: int, certification_id: int
) -> HttpResponse:
    """Remove a certification."""
    solution = _own_solution(request, solution_id)
    cert = get_object_or_404(Certification, pk=certification_id, solution=solution)
    return _act_on(
        request,
        solution,
        lambda: services.certification_delete(user=request.user, certification=cert),
        _("The certification is removed."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_http_methods(["GET", "POST"])
def vendor_pilot_edit(request: HttpRequest, solution_id: int, pilot_id: int) -> HttpResponse:
    """Correct a pilot; it is verified again."""
    solution = _own_solution(request, solution_id)
    pilot = get_object_or_404(Pilot, pk=pilot_id, solution=solution)

    def save(form):
        services.pilot_update(user=request.user, pilot=pilot, data=form.cleaned_data)

    return _edit_evidence(
        request,
        solution,
        form_class=PilotForm,
        instance=pilot,
        save=save,
        title=_("Edit pilot"),
        notice=_(
            "Saving your changes sends this pilot back to the operator: "
            "it is pending verification again."
        ),
        success=_("The pilot is saved; it waits for the operator's verification."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_pilot_delete(request: HttpRequest, solution_id: int, pilot_id: int) -> HttpResponse:
    """Remove a pilot with its KPIs."""
    solution = _own_solution(request, solution_id)
    pilot = get_object_or_404(Pilot, pk=pilot_id, solution=solution)
    return _act_on(
        request,
        solution,
        lambda: services.pilot_delete(user=request.user, pilot=pilot),
        _("The pilot and its KPIs are removed."),
    )


def _own_kpi(solution: Solution, pilot_id: int, kpi_id: int) -> Kpi:
    return get_object_or_404(
        Kpi.objects.select_related("pilot"), pk=kpi_id, pilot_id=pilot_id, pilot__solution=solution
    )


@role_required(Organisation.Kind.VENDOR)
@require_http_methods(["GET", "POST"])
def vendor_kpi_edit(
    request: HttpRequest, solution_id: int, pilot_id: int, kpi_id: int
) -> HttpResponse:
    """Correct a KPI; its pilot is verified again."""
    solution = _own_solution(request, solution_id)
    kpi = _own_kpi(solution, pilot_id, kpi_id)

    def save(form):
        services.kpi_update(user=request.user, kpi=kpi, data=form.cleaned_data)

    return _edit_evidence(
        request,
        solution,
        form_class=KpiForm,
        instance=kpi,
        save=save,
        title=_("Edit KPI"),
        notice=_(
            "Saving your changes sends the pilot of this KPI back to the operator: "
            "it is pending verification again."
        ),
        success=_("The KPI is saved; its pilot waits for the operator's verification."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_kpi_delete(
    request: HttpRequest, solution_id: int, pilot_id: int, kpi_id: int
) -> HttpResponse:
    """Remove a KPI."""
    solution = _own_solution(request, solution_id)
    kpi = _own_kpi(solution, pilot_id, kpi_id)
    return _act_on(
        request,
        solution,
        lambda: services.kpi_delete(user=request.user, kpi=kpi),
        _("The KPI is removed."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_solution_archive(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Take one's own solution off the catalogue for good."""
    solution = _own_solution(request, solution_id)
    return _act_on(
        request,
        solution,
        lambda: services.solution_archive(user=request.user, solution=solution),
        _("The solution is archived: it is off the catalogue and cannot be changed."),
    )


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_solution_submit(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Send a draft to the operator for review."""
    solution = _own_solution(request, solution_id)
    try:
        services.solution_submit(user=request.user, solution=solution)
    except (ServiceConflict, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
        return redirect("catalogue:vendor-solution", solution_id=solution.pk)
    messages.success(request, _("Submitted: the operator will review it."))
    return redirect("catalogue:vendor-solution", solution_id=solution.pk)


@role_required(Organisation.Kind.VENDOR)
@require_POST
def vendor_opportunities_refresh(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Match the open needs and leads again, so the list shows this solution's latest scores."""
    from matching import services as matching_services

    solution = _own_solution(request, solution_id)
    matching_services.solution_opportunities(solution=solution, refresh=True)
    messages.success(request, _("Matching needs and leads are up to date."))
    return redirect(reverse("catalogue:vendor-solution", args=[solution.pk]) + "#opportunities")


# --- operator -----------------------------------------------------------------------------


def _queue_page(request: HttpRequest, status: int = 200, organisation_errors=None):
    queue = selectors.review_queue(user=request.user)
    context = {
        "queue": queue,
        "organisations": selectors_organisations.organisation_list(
            user=request.user, status=Organisation.Status.PENDING
        ),
        "organisation_errors": organisation_errors or {},
        "typed_reasons": {},
    }
    if organisation_errors:
        context["typed_reasons"] = {
            org_id: request.POST.get("reason", "") for org_id in organisation_errors
        }
    return render(request, "workspace/review_queue.html", context, status=status)


@role_required(Organisation.Kind.OPERATOR)
def review_queue(request: HttpRequest) -> HttpResponse:
    """What waits for the operator: submissions, edits, evidence and organisations."""
    return _queue_page(request)


def _review_page(request, solution: Solution, status: int = 200, **forms) -> HttpResponse:
    solution = selectors.solution_get(user=request.user, solution_id=solution.pk)
    bound = forms.get("verification_forms") or {}

    def form_for(key: str, evidence) -> VerificationForm:
        return bound.get(key) or VerificationForm(
            prefix=key, initial={"expected": evidence.verification}
        )

    context = {
        "solution": solution,
        "events": selectors.review_events(solution=solution),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "certifications": [
            (cert, form_for(f"certification-{cert.pk}", cert))
            for cert in solution.certifications.all()
        ],
        "pilots": [
            (pilot, form_for(f"pilot-{pilot.pk}", pilot)) for pilot in solution.pilots.all()
        ],
        "can_publish": solution.status == Solution.Status.SUBMITTED
        or (solution.status == Solution.Status.PUBLISHED and solution.changed_since_review),
        "can_send_back": solution.status in (Solution.Status.SUBMITTED, Solution.Status.PUBLISHED),
    }
    return render(request, "workspace/review_solution.html", context, status=status)


@role_required(Organisation.Kind.OPERATOR)
def review_solution(request: HttpRequest, solution_id: int) -> HttpResponse:
    """One solution under review, with its evidence files."""
    return _review_page(request, selectors.solution_get(user=request.user, solution_id=solution_id))


@role_required(Organisation.Kind.OPERATOR)
@require_POST
def review_publish(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Publish a submitted solution (or accept a published one's edits)."""
    solution = selectors.solution_get(user=request.user, solution_id=solution_id)
    try:
        services.solution_publish(user=request.user, solution=solution)
    except ServiceConflict as error:
        messages.error(request, error.message)
        return redirect("catalogue:review-solution", solution_id=solution.pk)
    messages.success(request, _("Published: “%s” is in the catalogue.") % solution)
    return redirect("catalogue:review")


@role_required(Organisation.Kind.OPERATOR)
@require_POST
def review_send_back(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Return a solution to its vendor with the reason."""
    solution = selectors.solution_get(user=request.user, solution_id=solution_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.solution_send_back(
                user=request.user, solution=solution, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except ServiceConflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Sent back to the vendor with your reason."))
            return redirect("catalogue:review")
    return _review_page(request, solution, status=400, reason_form=form)


def _verify(request, obj, verify: Callable, key: str, solution: Solution) -> HttpResponse:
    form = VerificationForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            verify(
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                expected=form.cleaned_data["expected"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except ServiceConflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("catalogue:review-solution", solution_id=solution.pk)
    return _review_page(request, solution, status=400, verification_forms={key: form})


@role_required(Organisation.Kind.OPERATOR)
@require_POST
def review_certification(request: HttpRequest, certification_id: int) -> HttpResponse:
    """Verify or reject a certification's evidence."""
    cert = selectors.certification_get(user=request.user, certification_id=certification_id)

    def verify(**kwargs):
        services.certification_verify(user=request.user, certification=cert, **kwargs)

    return _verify(request, cert, verify, f"certification-{cert.pk}", cert.solution)


@role_required(Organisation.Kind.OPERATOR)
@require_POST
def review_pilot(request: HttpRequest, pilot_id: int) -> HttpResponse:
    """Verify or reject a pilot and its KPIs."""
    pilot = selectors.pilot_get(user=request.user, pilot_id=pilot_id)

    def verify(**kwargs):
        services.pilot_verify(user=request.user, pilot=pilot, **kwargs)

    return _verify(request, pilot, verify, f"pilot-{pilot.pk}", pilot.solution)


@login_required
def evidence(request: HttpRequest, certification_id: int) -> HttpResponse:
    """A certification's evidence file, for its vendor and the operator only."""
    cert: Certification = selectors.certification_get(
        user=request.user, certification_id=certification_id
    )
    permissions.ensure_owner_or_operator(request.user, cert.solution)
    if not cert.evidence:
        raise Http404("No evidence file.")
    response = FileResponse(cert.evidence.open("rb"), as_attachment=False)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@role_required(Organisation.Kind.OPERATOR)
@require_POST
def review_organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Approve or reject an organisation that registered itself."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            organisation_services.organisation_approve(organisation=organisation, by=request.user)
            messages.success(request, _("%s is approved.") % organisation.display_name)
        elif decision == "reject":
            organisation_services.organisation_reject(
                organisation=organisation, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("%s is rejected.") % organisation.display_name)
        else:
            raise ValidationError(_("Choose approve or reject."))
    except ValidationError as error:
        return _queue_page(
            request, status=400, organisation_errors={organisation.pk: _messages_of(error)}
        )
    return redirect(reverse("catalogue:review") + "#organisations")
