"""Thin views: validate, call one service or selector, serialise."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.models import Solution
from config.api_views import CreatedLocationMixin

from .. import alerts, dossier, imports, registrations, selectors, services
from ..models import AlertSubscription, Lead, Match
from .serializers import (
    AlertSubscriptionSerializer,
    LeadSerializer,
    MatchSerializer,
    MatchStatusSerializer,
    NeedSerializer,
    RegistrationOpenSerializer,
    RegistrationSerializer,
    RegistrationTransitionSerializer,
)


def _call(func, **kwargs):
    try:
        return func(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc))


class NeedViewSet(
    CreatedLocationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Municipal needs: private to the organisation until published."""

    serializer_class = NeedSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.need_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = _call(
            services.need_create, user=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = _call(
            services.need_update,
            user=self.request.user,
            need=self.get_object(),
            data=serializer.validated_data,
        )

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        need = _call(services.need_publish, user=request.user, need=self.get_object())
        return Response(NeedSerializer(need).data)

    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        need = self.get_object()
        if not (request.user.is_operator() or need.organisation_id == request.user.organisation_id):
            raise PermissionDenied(_("Only the buyer's organisation sees its matches."))
        if request.query_params.get("refresh") or not need.matches.exists():
            services.need_match(need=need)
        page = self.paginate_queryset(selectors.match_list(need=need))
        data = MatchSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class LeadViewSet(
    CreatedLocationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Overseas leads: entered by export agencies; seen by agencies, vendors and operators."""

    serializer_class = LeadSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = _call(
            services.lead_create, user=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = _call(
            services.lead_update,
            user=self.request.user,
            lead=self.get_object(),
            data=serializer.validated_data,
        )

    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        lead: Lead = self.get_object()
        if not (request.user.is_operator() or request.user.kind == "agency"):
            raise PermissionDenied(_("Only export agencies see a lead's matches."))
        if request.query_params.get("refresh") or not lead.matches.exists():
            services.lead_match(lead=lead)
        page = self.paginate_queryset(selectors.match_list(lead=lead))
        data = MatchSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class SolutionOpportunitiesView(APIView):
    """The open needs and leads a vendor's solution matches (reverse matching)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "SolutionOpportunities", {"results": MatchSerializer(many=True)}
        )
    )
    def get(self, request, pk: int):
        # Another vendor's draft is not found (404), as everywhere; a published one is 403.
        solution = get_object_or_404(Solution.objects.visible_to(request.user), pk=pk)
        if not (request.user.is_operator() or solution.vendor_id == request.user.organisation_id):
            raise PermissionDenied(
                _("Only the vendor that lists the solution sees its opportunities.")
            )
        refresh = bool(request.query_params.get("refresh"))
        matches = services.solution_opportunities(solution=solution, refresh=refresh)
        return Response(
            {"results": MatchSerializer(matches, many=True, context={"request": request}).data}
        )


class MatchStatusView(APIView):
    """Move a match along suggested → shortlisted → contacted → proposal → registered."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=MatchStatusSerializer, responses={200: MatchSerializer})
    def post(self, request, pk: int):
        match = get_object_or_404(Match.objects.select_related("need", "lead"), pk=pk)
        serializer = MatchStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match = _call(
            services.match_set_status, match=match, user=request.user, **serializer.validated_data
        )
        return Response(
            MatchSerializer(match, context={"request": request}).data, status=status.HTTP_200_OK
        )


LEAD_IMPORT_JOBS = {
    "csv": "leads_csv_import",
    "ocds": "leads_ocds_import",
    "exchange": "leads_exchange_import",
}


class LeadImportView(APIView):
    """Upload leads (multipart ``file`` + ``format`` exchange|csv|ocds); all or nothing.

    Files are imported, then matched, by a job: the answer is 202 with the job's URL
    (``Location`` and ``{"job": url}``), whose result holds the report or the errors by row
    and column (CSV) or JSON path (OCDS, exchange). For OCDS, ``default_country`` (ISO
    alpha-2) is used when a buyer's country is unknown.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="leads_import",
        request={
            "multipart/form-data": inline_serializer(
                "LeadImport",
                {
                    "file": serializers.FileField(),
                    "format": serializers.ChoiceField(choices=list(imports.IMPORTERS)),
                    "default_country": serializers.CharField(required=False, max_length=2),
                },
            )
        },
        responses={
            202: inline_serializer("LeadImportAccepted", {"job": serializers.URLField()}),
            400: OpenApiResponse(description="errors by field (format, file)"),
        },
    )
    def post(self, request):
        from jobs.services import job_create

        fmt = request.data.get("format", "")
        upload = request.FILES.get("file")
        errors = {}
        if fmt not in imports.IMPORTERS:
            errors["format"] = [
                _("must be one of %(formats)s") % {"formats": ", ".join(imports.IMPORTERS)}
            ]
        if upload is None:
            errors["file"] = [_("no file uploaded")]
        if errors:
            raise ValidationError(errors)
        extra = {}
        if fmt == "ocds" and request.data.get("default_country"):
            extra["default_country"] = str(request.data["default_country"])[:2].upper()
        # Refuse non-agencies now rather than in a job that can only fail.
        _call(imports._check_actor, actor=request.user)
        try:
            job = _call(
                job_create,
                kind=LEAD_IMPORT_JOBS[fmt],
                actor=request.user,
                upload=upload,
                params=extra,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict)
        url = request.build_absolute_uri(reverse("job-detail", args=[job.pk]))
        return Response({"job": url}, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class LeadImportTemplateView(APIView):
    """The CSV template: the documented column set with one example row."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return FileResponse(
            imports.TEMPLATE.open("rb"),
            as_attachment=True,
            filename="leads-template.csv",
            content_type="text/csv; charset=utf-8",
        )


class MatchRegistrationsView(APIView):
    """Open a procurement registration from a shortlisted match."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RegistrationOpenSerializer, responses={201: RegistrationSerializer})
    def post(self, request, pk: int):
        match = get_object_or_404(Match.objects.select_related("need", "lead"), pk=pk)
        if not services.user_owns_target(request.user, match):
            raise Http404
        serializer = RegistrationOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = _call(
            registrations.registration_open,
            user=request.user,
            match=match,
            **serializer.validated_data,
        )
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class RegistrationView(APIView):
    """A registration with its live checklist and audit trail; PATCH its draft."""

    permission_classes = [IsAuthenticated]

    def _get(self, request, pk):
        return get_object_or_404(registrations.registration_list(user=request.user), pk=pk)

    @extend_schema(responses={200: RegistrationSerializer})
    def get(self, request, pk: int):
        return Response(RegistrationSerializer(self._get(request, pk)).data)

    @extend_schema(request=RegistrationSerializer, responses={200: RegistrationSerializer})
    def patch(self, request, pk: int):
        registration = self._get(request, pk)
        serializer = RegistrationSerializer(registration, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items()}
        registration = _call(
            registrations.registration_update,
            user=request.user,
            registration=registration,
            data=data,
        )
        return Response(RegistrationSerializer(registration).data)


class RegistrationTransitionView(APIView):
    """Move a registration: owners draft → submitted; operators review and decide."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=RegistrationTransitionSerializer, responses={200: RegistrationSerializer}
    )
    def post(self, request, pk: int):
        registration = get_object_or_404(registrations.registration_list(user=request.user), pk=pk)
        serializer = RegistrationTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = _call(
            registrations.registration_transition,
            user=request.user,
            registration=registration,
            **serializer.validated_data,
        )
        return Response(RegistrationSerializer(registration).data)


class RegistrationDossierView(APIView):
    """The dossier as JSON (OCDS-shaped for overseas tenders) or printable HTML."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
        }
    )
    def get(self, request, pk: int, fmt: str):
        if fmt not in ("json", "html"):
            raise Http404
        registration = get_object_or_404(registrations.registration_list(user=request.user), pk=pk)
        if fmt == "html":
            return HttpResponse(
                dossier.registration_dossier_html(registration),
                content_type="text/html; charset=utf-8",
            )
        return Response(dossier.registration_dossier_json(registration))


class AlertSubscriptionViewSet(
    CreatedLocationMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A vendor's opportunity-alert subscriptions (per solution or per category)."""

    serializer_class = AlertSubscriptionSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # the schema generator asks with no user signed in: none, and the schema types the id
        org = getattr(self.request.user, "organisation_id", None)
        return (
            AlertSubscription.objects.filter(organisation_id=org)
            if org
            else (AlertSubscription.objects.none())
        )

    def perform_create(self, serializer):
        serializer.instance = _call(
            alerts.alert_subscribe, user=self.request.user, **serializer.validated_data
        )
