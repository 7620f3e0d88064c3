"""Search API: check the query parameters, call one selector; 503 when the engine is down."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from search import selectors
from search.types import SearchUnavailable

from . import serializers as s

UNAVAILABLE = "Search is temporarily unavailable; please try again shortly."
ERROR_RESPONSES = {
    400: OpenApiResponse(description="A parameter is not valid (errors by parameter)."),
    503: OpenApiResponse(s.UnavailableSerializer, description="The engine is down."),
}


def unavailable(exc: SearchUnavailable) -> Response:
    return Response(
        {"detail": UNAVAILABLE, "reason": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )


class SolutionSearchView(APIView):
    """``GET /api/v1/search/solutions/``: ranked published solutions, highlights, facets."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[s.SearchParamsSerializer],
        responses={200: s.SearchResultSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        params = s.SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.to_query()
        try:
            result, solutions = selectors.solution_search(query=query)
        except SearchUnavailable as exc:
            return unavailable(exc)
        hits = {h.solution_id: h for h in result.hits}
        hit = s.SearchHitSerializer()  # one for the page: it only formats, nothing to validate
        return Response(
            {
                "total": result.total,
                "page": result.page,
                "page_size": result.page_size,
                "results": [hit.to_representation((sol, hits[sol.pk])) for sol in solutions],
                "facets": result.facets,
                "corrected_query": result.corrected_text or None,
            }
        )


class SuggestView(APIView):
    """``GET /api/v1/search/suggest/?q=``: solution names completing the prefix."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[s.SuggestParamsSerializer],
        responses={200: s.SuggestResultSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        params = s.SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            found = selectors.solution_suggest(
                prefix=params.validated_data["q"], limit=params.validated_data["limit"]
            )
        except SearchUnavailable as exc:
            return unavailable(exc)
        return Response(
            {
                "results": [
                    {"id": x.solution_id, "text": x.text, "language": x.language} for x in found
                ]
            }
        )
