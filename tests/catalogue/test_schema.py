import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

CATALOGUE_VIEWS = (
    "SolutionViewSet",
    "CertificationViewSet",
    "PilotViewSet",
    "KpiViewSet",
    "ReviewQueueView",
    "TokenView",
    "catalogue/api/views.py",
    "catalogue/api/serializers.py",
)


@pytest.mark.django_db
def test_schema_endpoint_answers(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/solutions/",
        "/api/v1/solutions/{id}/send-back/",
        "/api/v1/solutions/{id}/history/",
        "/api/v1/certifications/{id}/verify/",
        "/api/v1/pilots/{id}/kpis/",
        "/api/v1/review-queue/",
        "/api/v1/auth/token/",
    ):
        assert path in paths


def test_catalogue_views_generate_a_valid_schema_without_warnings():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    ours = [m for m in messages if any(name in m for name in CATALOGUE_VIEWS)]
    assert ours == []
    names = {p["name"] for p in schema["paths"]["/api/v1/solutions/"]["get"]["parameters"]}
    assert {"certification", "valid_on", "pilot_tier", "price_min", "standard"} <= names


@pytest.mark.django_db
def test_swagger_ui_uses_only_local_static_files(api_client):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
    assert external == []
    assert not re.search(r"https?://(?!testserver)[\w.-]+/", html)
