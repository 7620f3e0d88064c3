"""The operators' back office: the review queue, evidence verification, organisation approval.

Actions call the same services as the API, so the rules and the review trail are the same.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from search import indexing

from .models import (
    Certification,
    Invitation,
    Kpi,
    Organisation,
    Pilot,
    ReviewEvent,
    Solution,
    SolutionImage,
    User,
)
from .services import solutions as services


class ReasonActionForm(ActionForm):
    """The action bar with a reason box, for actions that must say why."""

    reason = forms.CharField(
        required=False,
        label="Reason / note",
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Required to send back or reject.",
    )


def _reason(request) -> str:
    return (request.POST.get("reason") or "").strip()


def _run(modeladmin, request, queryset, call, done: str) -> None:
    """Apply ``call`` to each object, reporting successes and each failure with its reason."""
    ok = 0
    for obj in queryset:
        try:
            call(obj)
        except (PermissionDenied, Http404, services.ServiceConflict) as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {'; '.join(exc.messages)}", messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}.", messages.SUCCESS)


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0
    fields = ["type", "number", "issuer", "valid_from", "valid_until", "evidence", "verification"]
    readonly_fields = ["verification"]
    show_change_link = True


class PilotInline(admin.TabularInline):
    model = Pilot
    extra = 0
    fields = ["city", "country", "tier", "population", "start", "end", "verification"]
    readonly_fields = ["verification"]
    show_change_link = True


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    fields = ["at", "action", "target", "actor", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Solution)
class SolutionAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "__str__",
        "vendor",
        "category",
        "status",
        "changed_since_review",
        "version",
        "submitted_at",
        "updated_at",
    ]
    list_filter = ["status", "changed_since_review", "category"]
    search_fields = ["name_en", "name_ko", "vendor__name_en", "vendor__name_ko", "exchange_id"]
    list_select_related = ["vendor"]
    readonly_fields = [
        "status",
        "review_note",
        "changed_since_review",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
        "published_at",
    ]
    inlines = [CertificationInline, PilotInline, ReviewEventInline]
    action_form = ReasonActionForm
    actions = ["publish", "send_back", "archive"]

    def save_model(self, request, obj, form, change):
        # Edits made here are edits too: a new version, and the search index follows.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: indexing.solution_changed(obj.pk))

    @admin.action(description="Publish (accept) the selected solutions")
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.solution_publish(user=request.user, solution=obj),
            "Published",
        )

    @admin.action(description="Send back to the vendor (give the reason above)")
    def send_back(self, request, queryset):
        reason = _reason(request)
        if not reason:
            self.message_user(request, "Give the reason for sending back.", messages.ERROR)
            return
        _run(
            self,
            request,
            queryset,
            lambda obj: services.solution_send_back(user=request.user, solution=obj, reason=reason),
            "Sent back",
        )

    @admin.action(description="Archive the selected solutions")
    def archive(self, request, queryset):
        reason = _reason(request)
        _run(
            self,
            request,
            queryset,
            lambda obj: services.solution_archive(user=request.user, solution=obj, reason=reason),
            "Archived",
        )


class _VerifyActions:
    """Verify / reject actions shared by certifications and pilots."""

    action_form = ReasonActionForm
    actions = ["verify", "reject"]

    def _decide(self, obj, *, user, decision, note):  # pragma: no cover - overridden
        raise NotImplementedError

    @admin.action(description="Mark verified")
    def verify(self, request, queryset):
        note = _reason(request)
        _run(
            self,
            request,
            queryset,
            lambda obj: self._decide(obj, user=request.user, decision="verified", note=note),
            "Verified",
        )

    @admin.action(description="Reject (give the note above)")
    def reject(self, request, queryset):
        note = _reason(request)
        if not note:
            self.message_user(request, "Give the reason for rejecting.", messages.ERROR)
            return
        _run(
            self,
            request,
            queryset,
            lambda obj: self._decide(obj, user=request.user, decision="rejected", note=note),
            "Rejected",
        )


@admin.register(Certification)
class CertificationAdmin(_VerifyActions, SimpleHistoryAdmin):
    list_display = [
        "id",
        "__str__",
        "solution",
        "issuer",
        "valid_from",
        "valid_until",
        "verification",
    ]
    list_filter = ["verification", "type"]
    search_fields = ["number", "issuer", "solution__name_en", "solution__name_ko"]
    list_select_related = ["solution"]
    readonly_fields = ["verification", "verification_note", "verified_by", "verified_at"]

    def _decide(self, obj, *, user, decision, note):
        return services.certification_verify(
            user=user, certification=obj, decision=decision, note=note
        )


class KpiInline(admin.TabularInline):
    model = Kpi
    extra = 0
    fields = ["indicator", "iso37122", "baseline", "result", "unit", "better", "improvement"]
    readonly_fields = ["improvement"]


@admin.register(Pilot)
class PilotAdmin(_VerifyActions, SimpleHistoryAdmin):
    list_display = ["id", "__str__", "solution", "tier", "start", "end", "verification"]
    list_filter = ["verification", "tier", "country"]
    search_fields = ["city", "solution__name_en", "solution__name_ko"]
    list_select_related = ["solution"]
    readonly_fields = ["verification", "verification_note", "verified_by", "verified_at"]
    inlines = [KpiInline]

    def _decide(self, obj, *, user, decision, note):
        return services.pilot_verify(user=user, pilot=obj, decision=decision, note=note)


class MemberInline(admin.TabularInline):
    model = User
    extra = 0
    fields = ["username", "email", "is_org_admin", "is_active"]
    readonly_fields = ["username", "email"]
    show_change_link = True
    can_delete = False


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "__str__", "kind", "country", "status", "created_at"]
    list_filter = ["status", "kind", "country"]
    search_fields = ["name_en", "name_ko", "exchange_id"]
    readonly_fields = ["status", "status_reason", "approved_at", "approved_by", "created_at"]
    inlines = [MemberInline]
    action_form = ReasonActionForm
    actions = ["approve", "reject"]

    @admin.action(description="Approve the selected organisations")
    def approve(self, request, queryset):
        from .services.organisations import organisation_approve

        _run(
            self,
            request,
            queryset,
            lambda org: organisation_approve(organisation=org, by=request.user),
            "Approved",
        )

    @admin.action(description="Reject (give the reason above)")
    def reject(self, request, queryset):
        from .services.organisations import organisation_reject

        reason = _reason(request)
        if not reason:
            self.message_user(request, "Give the reason for rejecting.", messages.ERROR)
            return
        _run(
            self,
            request,
            queryset,
            lambda org: organisation_reject(organisation=org, by=request.user, reason=reason),
            "Rejected",
        )


@admin.register(User)
class CatalogueUserAdmin(UserAdmin):
    list_display = ["username", "email", "organisation", "is_org_admin", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "organisation__kind"]
    list_select_related = ["organisation"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Organisation", {"fields": ["organisation", "is_org_admin"]}),
    ]


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "solution", "target", "actor", "reason"]
    list_filter = ["action"]
    list_select_related = ["solution", "actor"]
    readonly_fields = ["solution", "action", "target", "reason", "actor", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = ["token"]


@admin.register(SolutionImage)
class SolutionImageAdmin(admin.ModelAdmin):
    list_display = ["id", "solution", "format", "width", "height", "position"]
    list_select_related = ["solution"]
