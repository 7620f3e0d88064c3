"""Thin API views: check the input's shape, call one service or selector, serialise the result."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .. import selectors
from ..filters import MAX_ID, IdFilter, SolutionFilter
from ..models import Certification, Kpi, Pilot
from ..permissions import IsOperator
from ..services import solutions as services
from . import serializers as s


class CataloguePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ServiceErrorsMixin:
    """Turn the services' state conflicts into 409 responses naming the current version."""

    def handle_exception(self, exc):
        if isinstance(exc, services.ServiceConflict):
            body = {"detail": exc.message}
            if exc.current_version is not None:
                body["current_version"] = exc.current_version
            return Response(body, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


def _filter_parameters() -> list[OpenApiParameter]:
    params = []
    for name, flt in SolutionFilter.base_filters.items():
        enum = None
        if isinstance(flt, django_filters.ChoiceFilter):
            kind, enum = OpenApiTypes.STR, [value for value, _ in flt.extra["choices"]]
        elif isinstance(flt, IdFilter):
            kind = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        elif isinstance(flt, django_filters.NumberFilter):
            kind = OpenApiTypes.NUMBER
        elif isinstance(flt, django_filters.DateFilter):
            kind = OpenApiTypes.DATE
        elif isinstance(flt, django_filters.BooleanFilter):
            kind = OpenApiTypes.BOOL
        else:
            kind = OpenApiTypes.STR
        params.append(
            OpenApiParameter(
                name,
                kind,
                OpenApiParameter.QUERY,
                required=False,
                enum=enum,
                description=str(flt.extra.get("help_text", "")),
            )
        )
    return params


def _expected_version(request, data: dict) -> int | None:
    """The version the client edited: If-Match header (ETag style) or a ``version`` field."""
    version = data.pop("version", None)
    header = request.headers.get("If-Match")
    if header and header.strip() != "*":
        raw = header.strip().removeprefix("W/").strip('"')
        try:
            return int(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {"If-Match": [_('Expected the solution\'s version number, e.g. "3".')]}
            )
    return version


def _with_etag(response: Response, solution) -> Response:
    response["ETag"] = f'"{solution.version}"'
    return response


VERIFY_RESPONSES = {
    400: OpenApiResponse(description="Bad decision or missing note."),
    409: OpenApiResponse(description="Already decided so (by another operator)."),
}


class SolutionViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Solutions: anyone reads published ones; vendors manage their own; operators review."""

    serializer_class = s.SolutionSerializer
    pagination_class = CataloguePagination
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.solution_list(user=self.request.user)

    def _solution(self):
        return selectors.solution_get(user=self.request.user, solution_id=self.kwargs["pk"])

    def _refetch(self, solution):
        return selectors.solution_get(user=self.request.user, solution_id=solution.pk)

    @extend_schema(parameters=_filter_parameters())
    def list(self, request):
        queryset = selectors.solution_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            s.SolutionSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=s.SolutionInputSerializer, responses={201: s.SolutionSerializer})
    def create(self, request):
        payload = s.SolutionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("version", None)
        solution = services.solution_create(user=request.user, data=data)
        body = s.SolutionSerializer(
            self._refetch(solution), context=self.get_serializer_context()
        ).data
        return _with_etag(Response(body, status=status.HTTP_201_CREATED), solution)

    def retrieve(self, request, pk=None):
        solution = self._solution()
        return _with_etag(
            Response(s.SolutionSerializer(solution, context=self.get_serializer_context()).data),
            solution,
        )

    @extend_schema(
        request=s.SolutionInputSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The version you edited; a stale one is a 409.",
            )
        ],
        responses={200: s.SolutionSerializer, 409: OpenApiResponse(description="Stale version.")},
    )
    def partial_update(self, request, pk=None):
        solution = self._solution()
        payload = s.SolutionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        expected = _expected_version(request, data)
        solution = services.solution_update(
            user=request.user, solution=solution, data=data, expected_version=expected
        )
        # The ETag names the version the body shows (another edit may have committed since).
        solution = self._refetch(solution)
        return _with_etag(
            Response(s.SolutionSerializer(solution, context=self.get_serializer_context()).data),
            solution,
        )

    def _transition(self, service, **kwargs):
        solution = service(user=self.request.user, solution=self._solution(), **kwargs)
        return Response(
            s.SolutionSerializer(
                self._refetch(solution), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=None, responses=s.SolutionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(services.solution_submit)

    @extend_schema(request=None, responses=s.SolutionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(services.solution_publish)

    @extend_schema(request=s.ReasonSerializer, responses=s.SolutionSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        payload = s.ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transition(
            services.solution_send_back, reason=payload.validated_data["reason"]
        )

    @extend_schema(request=s.ArchiveSerializer, responses=s.SolutionSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        payload = s.ArchiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transition(services.solution_archive, reason=payload.validated_data["reason"])

    @extend_schema(responses=s.HistoryEntrySerializer(many=True))
    @action(
        detail=True, methods=["get"], permission_classes=[IsAuthenticated], pagination_class=None
    )
    def history(self, request, pk=None):
        entries = selectors.solution_history(user=request.user, solution=self._solution())
        return Response(s.HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(methods=["GET"], responses=s.CertificationSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": s.CertificationInputSerializer,
            "application/json": s.CertificationInputSerializer,
        },
        responses={201: s.CertificationSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def certifications(self, request, pk=None):
        solution = self._solution()
        if request.method == "GET":
            certs = selectors.certification_list(user=request.user, solution=solution)
            return Response(
                s.CertificationSerializer(certs, many=True, context={"request": request}).data
            )
        payload = s.CertificationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cert = services.certification_create(
            user=request.user, solution=solution, data=dict(payload.validated_data)
        )
        return Response(
            s.CertificationSerializer(cert, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(methods=["GET"], responses=s.PilotSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.PilotInputSerializer, responses={201: s.PilotSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def pilots(self, request, pk=None):
        solution = self._solution()
        if request.method == "GET":
            pilots = selectors.pilot_list(user=request.user, solution=solution)
            return Response(s.PilotSerializer(pilots, many=True).data)
        payload = s.PilotInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pilot = services.pilot_create(
            user=request.user, solution=solution, data=dict(payload.validated_data)
        )
        return Response(s.PilotSerializer(pilot).data, status=status.HTTP_201_CREATED)


class CertificationViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """A certification: read with its solution, changed by its vendor, verified by operators."""

    serializer_class = s.CertificationSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return Certification.objects.none()  # objects come from selectors

    def _certification(self):
        return selectors.certification_get(
            user=self.request.user, certification_id=self.kwargs["pk"]
        )

    def retrieve(self, request, pk=None):
        return Response(
            s.CertificationSerializer(self._certification(), context={"request": request}).data
        )

    @extend_schema(
        request={
            "multipart/form-data": s.CertificationInputSerializer,
            "application/json": s.CertificationInputSerializer,
        }
    )
    def partial_update(self, request, pk=None):
        cert = self._certification()
        payload = s.CertificationInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        cert = services.certification_update(
            user=request.user, certification=cert, data=dict(payload.validated_data)
        )
        return Response(s.CertificationSerializer(cert, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.certification_delete(user=request.user, certification=self._certification())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.VerifySerializer, responses={200: s.CertificationSerializer, **VERIFY_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        payload = s.VerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cert = services.certification_verify(
            user=request.user, certification=self._certification(), **payload.validated_data
        )
        return Response(s.CertificationSerializer(cert, context={"request": request}).data)


class PilotViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """A pilot and its KPIs: read with the solution, edited by its vendor, verified by operators."""

    serializer_class = s.PilotSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Pilot.objects.none()  # objects come from selectors

    def _pilot(self):
        return selectors.pilot_get(user=self.request.user, pilot_id=self.kwargs["pk"])

    def _refetch(self, pilot):
        return selectors.pilot_get(user=self.request.user, pilot_id=pilot.pk)

    def retrieve(self, request, pk=None):
        return Response(s.PilotSerializer(self._pilot()).data)

    @extend_schema(request=s.PilotInputSerializer)
    def partial_update(self, request, pk=None):
        pilot = self._pilot()
        payload = s.PilotInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        pilot = services.pilot_update(
            user=request.user, pilot=pilot, data=dict(payload.validated_data)
        )
        return Response(s.PilotSerializer(self._refetch(pilot)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.pilot_delete(user=request.user, pilot=self._pilot())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.VerifySerializer, responses={200: s.PilotSerializer, **VERIFY_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        payload = s.VerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pilot = services.pilot_verify(
            user=request.user, pilot=self._pilot(), **payload.validated_data
        )
        return Response(s.PilotSerializer(self._refetch(pilot)).data)

    @extend_schema(methods=["GET"], responses=s.KpiSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.KpiInputSerializer, responses={201: s.KpiSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def kpis(self, request, pk=None):
        pilot = self._pilot()
        if request.method == "GET":
            kpis = selectors.kpi_list(user=request.user, pilot=pilot)
            return Response(s.KpiSerializer(kpis, many=True).data)
        payload = s.KpiInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        kpi = services.kpi_create(user=request.user, pilot=pilot, data=dict(payload.validated_data))
        return Response(s.KpiSerializer(kpi).data, status=status.HTTP_201_CREATED)


class KpiViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """A KPI of a pilot: read with its solution, changed by its vendor."""

    serializer_class = s.KpiSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Kpi.objects.none()  # objects come from selectors

    def _kpi(self):
        return selectors.kpi_get(user=self.request.user, kpi_id=self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(s.KpiSerializer(self._kpi()).data)

    @extend_schema(request=s.KpiInputSerializer)
    def partial_update(self, request, pk=None):
        kpi = self._kpi()
        payload = s.KpiInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        kpi = services.kpi_update(user=request.user, kpi=kpi, data=dict(payload.validated_data))
        return Response(s.KpiSerializer(kpi).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.kpi_delete(user=request.user, kpi=self._kpi())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewQueueView(APIView):
    """What waits for the operator: submissions, edited published solutions, pending evidence."""

    permission_classes = [IsOperator]

    @extend_schema(responses=s.ReviewQueueSerializer)
    def get(self, request):
        queue = selectors.review_queue(user=request.user)
        return Response(s.ReviewQueueSerializer(queue, context={"request": request}).data)


class TokenView(ObtainAuthToken):
    """Exchange a username (or e-mail) and password for an API token; throttled."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=AuthTokenSerializer, responses=s.TokenSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
