"""The site's own 403, 404 and 500 pages, as served with DEBUG off."""

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.views import defaults

from config.urls import urlpatterns as site_urlpatterns
from tests.factories import OrganisationFactory, UserFactory


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def _client(language: str, user=None) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "home"),
    [
        ("ko", "페이지를 찾을 수 없습니다", "홈으로 돌아가기"),
        ("en", "Page not found", "Back to the home page"),
    ],
)
def test_404_page_is_the_sites_in_the_visitors_language(language, title, home):
    response = _client(language).get("/solutions/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{title}</h1>" in page and home in page
    assert 'class="site-header"' in page  # the site's layout, with its navigation
    assert 'action="/search/"' in page and 'href="/"' in page


@pytest.mark.django_db
def test_403_page_is_the_sites_and_offers_a_way_back():
    vendor = UserFactory(organisation=OrganisationFactory(kind="vendor"))
    response = _client("ko", vendor).get("/workspace/review/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>이 페이지를 열 수 없습니다</h1>" in page and 'class="site-header"' in page
    assert 'href="/"' in page and 'href="/search/"' in page
    response = _client("en", vendor).get("/workspace/review/")
    assert "<h1>You cannot open this page</h1>" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("language", "title"), [("ko", "문제가 발생했습니다"), ("en", "Something went wrong")]
)
def test_500_page_is_static_and_in_the_visitors_language(language, title):
    response = _client(language).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}">' in page and f"<h1>{title}</h1>" in page
    assert 'class="site-header"' in page and 'href="/"' in page and 'href="/search/"' in page
    assert "a bug" not in page


@pytest.mark.django_db
def test_500_page_needs_no_request_context_processors_or_database():
    """Django renders it with an empty context, maybe while the database is what failed."""
    with CaptureQueriesContext(connections["default"]) as queries:
        page = defaults.server_error(RequestFactory().get("/")).content.decode()
    assert "Smart City Exchange" in page and 'href="/search/"' in page
    assert len(queries) == 0
