"""Product image uploads: list and add a solution's images, delete one.

``urlpatterns`` here is included under /api/v1/ by ``catalogue/api/urls.py``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.images import solution_image_create, solution_image_delete
from catalogue.models import Solution, SolutionImage
from catalogue.permissions import ensure_can_view_solution

from .views import ServiceErrorsMixin


class SolutionImageOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = SolutionImage
        fields = [
            "id",
            "url",
            "thumbnail_url",
            "width",
            "height",
            "format",
            "alt_en",
            "alt_ko",
            "position",
        ]

    def _absolute(self, field) -> str:
        request = self.context.get("request")
        url = field.url
        return request.build_absolute_uri(url) if request is not None else url

    def get_url(self, obj: SolutionImage) -> str:
        return self._absolute(obj.image)

    def get_thumbnail_url(self, obj: SolutionImage) -> str:
        return self._absolute(obj.thumbnail)


class SolutionImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="A JPEG, PNG or WebP image; decoded, stripped of metadata and re-encoded."
    )
    alt_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    alt_ko = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ImageUploadErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _visible_solution(request, solution_id: int) -> Solution:
    solution = get_object_or_404(Solution, pk=solution_id)
    ensure_can_view_solution(request.user, solution)
    return solution


class SolutionImageListCreateApi(ServiceErrorsMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="solution_images_list",
        responses={200: SolutionImageOutputSerializer(many=True)},
        tags=["images"],
    )
    def get(self, request, solution_id: int):
        solution = _visible_solution(request, solution_id)
        images = solution.images.all()
        data = SolutionImageOutputSerializer(images, many=True, context={"request": request}).data
        return Response(data)

    @extend_schema(
        operation_id="solution_images_create",
        request={"multipart/form-data": SolutionImageUploadSerializer},
        responses={
            201: SolutionImageOutputSerializer,
            400: OpenApiResponse(
                ImageUploadErrorSerializer, description="The upload was refused; why."
            ),
            403: OpenApiResponse(description="Not the solution's vendor or an operator."),
            404: OpenApiResponse(description="No such solution visible to you."),
            409: OpenApiResponse(description="The solution is archived."),
        },
        tags=["images"],
    )
    def post(self, request, solution_id: int):
        solution = _visible_solution(request, solution_id)
        serializer = SolutionImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            image = solution_image_create(
                user=request.user,
                solution=solution,
                upload=data["image"],
                alt_en=data["alt_en"],
                alt_ko=data["alt_ko"],
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise serializers.ValidationError({"image": exc.messages}) from exc
        out = SolutionImageOutputSerializer(image, context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)


class SolutionImageDetailApi(ServiceErrorsMixin, APIView):
    def _get(self, request, pk: int) -> SolutionImage:
        image = get_object_or_404(SolutionImage.objects.select_related("solution"), pk=pk)
        ensure_can_view_solution(request.user, image.solution)
        return image

    @extend_schema(
        operation_id="images_retrieve",
        responses={200: SolutionImageOutputSerializer},
        tags=["images"],
    )
    def get(self, request, pk: int):
        image = self._get(request, pk)
        return Response(SolutionImageOutputSerializer(image, context={"request": request}).data)

    @extend_schema(
        operation_id="images_destroy",
        responses={
            204: OpenApiResponse(description="Deleted, with its files."),
            403: OpenApiResponse(description="Not the solution's vendor or an operator."),
            404: OpenApiResponse(description="No such image visible to you."),
            409: OpenApiResponse(description="The solution is archived."),
        },
        tags=["images"],
    )
    def delete(self, request, pk: int):
        image = self._get(request, pk)
        solution_image_delete(user=request.user, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path(
        "solutions/<int:solution_id>/images/",
        SolutionImageListCreateApi.as_view(),
        name="solution-images",
    ),
    path("images/<int:pk>/", SolutionImageDetailApi.as_view(), name="image-detail"),
]
