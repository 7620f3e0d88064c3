from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from .serializers import JobCreateSerializer, JobSerializer


def _accepted(job, request) -> Response:
    body = JobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class JobListView(APIView):
    """GET: your own jobs, newest first. POST: start a job (202 with its URL)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = JobSerializer
    pagination_class = PageNumberPagination  # the schema documents the page shape

    @extend_schema(operation_id="jobs_list", responses=JobSerializer(many=True))
    def get(self, request):
        from rest_framework.pagination import PageNumberPagination

        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.job_list(user=request.user), request, self)
        data = JobSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="jobs_create", request=JobCreateSerializer, responses={202: JobSerializer}
    )
    def post(self, request):
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.job_create(
            kind=serializer.validated_data["kind"],
            actor=request.user,
            upload=serializer.validated_data.get("file"),
            params=serializer.params(),
        )
        return _accepted(job, request)


class JobDetailView(APIView):
    """One of your jobs, with its progress; other people's jobs are 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = JobSerializer

    @extend_schema(operation_id="jobs_retrieve", responses=JobSerializer)
    def get(self, request, pk: int):
        job = selectors.job_get(user=request.user, job_id=pk)
        return Response(JobSerializer(job, context={"request": request}).data)


class JobRetryView(APIView):
    """Queue a failed job again (202 with its URL)."""

    permission_classes = [IsAuthenticated]
    serializer_class = JobSerializer

    @extend_schema(operation_id="jobs_retry", request=None, responses={202: JobSerializer})
    def post(self, request, pk: int):
        job = selectors.job_get(user=request.user, job_id=pk)
        return _accepted(services.job_retry(job=job, actor=request.user), request)
