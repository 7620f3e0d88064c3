"""Login and token endpoints are rate limited, anonymous API use is throttled, CSRF guards
session-authenticated writes, and passwords go through Django's validators."""

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from catalogue.models import User
from tests.factories import OrganisationFactory, UserFactory
from tests.reliability.windows import start_clear_of_window_edge

PASSWORD = "correct horse battery staple"


@pytest.fixture
def low_rates(monkeypatch):
    """The configured scopes with low rates (DRF binds the rates when it imports)."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    rates.update(login="3/minute", anon="5/minute", user="4/minute")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    start_clear_of_window_edge(60, margin=10)  # counted per minute on the real clock
    yield rates
    cache.clear()


def test_login_scope_is_configured_for_the_token_endpoint():
    from catalogue.api.views import TokenView

    assert TokenView.throttle_scope == "login"
    assert "login" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


@pytest.mark.django_db
def test_token_endpoint_is_rate_limited_even_for_the_right_password(low_rates):
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"))
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": "wrong" if i % 2 else PASSWORD},
            format="json",
        ).status_code
        for i in range(6)
    ]
    assert statuses[:3] == [200, 400, 200]
    assert statuses[3:] == [429, 429, 429]
    blocked = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert blocked.status_code == 429 and "Retry-After" in blocked


@pytest.mark.django_db
def test_anonymous_api_use_is_throttled(low_rates):
    client = APIClient()
    statuses = [client.get("/api/v1/solutions/").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    # a signed-in user is counted on its own (user) rate, not the anonymous one
    signed_in = APIClient()
    signed_in.force_authenticate(UserFactory(organisation=OrganisationFactory(kind="vendor")))
    assert signed_in.get("/api/v1/solutions/").status_code == 200


@pytest.mark.django_db
def test_signed_in_use_is_throttled_on_the_user_rate_alone(low_rates):
    signed_in = APIClient()
    signed_in.force_authenticate(UserFactory(organisation=OrganisationFactory(kind="vendor")))
    statuses = [signed_in.get("/api/v1/solutions/").status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    # the user's requests did not use up the address's anonymous allowance, nor the reverse
    assert [APIClient().get("/api/v1/solutions/").status_code for _ in range(6)] == (
        [200] * 5 + [429]
    )


def assert_sign_in_is_limited_after_five_failures() -> None:
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"))
    client = Client()
    attempts = [
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
        for _ in range(7)
    ]
    # allauth refuses further attempts (even with the right password) with another form error
    errors = [str(r.context["form"].errors.get("__all__")) for r in attempts]
    assert errors[0] == errors[4] != errors[5] == errors[6], errors
    right = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert right.status_code in (200, 429) and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_login_form_is_rate_limited_after_failed_attempts():
    cache.clear()
    assert_sign_in_is_limited_after_five_failures()
    cache.clear()


@pytest.mark.django_db
def test_session_authenticated_api_write_needs_a_csrf_token():
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"), is_org_admin=True)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    body = {"name_en": "CSRF probe", "category": "mobility"}
    refused = client.post("/api/v1/solutions/", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    token_client = APIClient(enforce_csrf_checks=True)
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert token_client.post("/api/v1/solutions/", body, format="json").status_code != 403


@pytest.mark.django_db
def test_session_authenticated_api_write_with_the_csrf_token_passes_the_check():
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"), is_org_admin=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/login/")  # any page sets the CSRF cookie
    page = client.get("/")
    token = client.cookies.get("csrftoken")
    assert token is not None, page.status_code
    response = client.post(
        "/api/v1/solutions/",
        {"name_en": "CSRF probe", "category": "mobility"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token.value,
    )
    assert response.status_code != 403 or "CSRF" not in response.content.decode()


@pytest.mark.django_db
def test_page_forms_refuse_posts_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403


def test_sessions_and_csrf_middleware_are_on():
    assert "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert (
        "rest_framework.authentication.SessionAuthentication"
        in (settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password", ["short1", "password123", "12345678901234", "user-probe-example"]
)
def test_weak_passwords_are_refused_by_the_validators(password):
    user = User(username="user-probe", email="user-probe@example.org")
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user)
    assert len(password_validation.get_default_password_validators()) == 4


@pytest.mark.django_db
def test_sign_up_refuses_a_weak_password_and_creates_nobody():
    cache.clear()
    before = User.objects.count()
    response = Client().post(
        "/accounts/signup/",
        {"email": "weak@example.org", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200  # the form again, with its errors
    assert User.objects.count() == before
    form = response.context["form"]
    assert "password1" in form.errors


@pytest.mark.django_db
def test_api_still_answers_when_the_rate_limit_store_is_unusable(settings, tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the counters' directory should be")
    settings.RATE_LIMIT_COUNTERS = f"sqlite:{blocker / 'rate-limits.sqlite3'}"
    with caplog.at_level("WARNING", logger="config.throttling"):
        response = APIClient().get("/api/v1/solutions/")
    assert response.status_code == 200
    assert "rate limit not applied" in caplog.text


@pytest.mark.django_db
def test_api_still_answers_when_redis_holding_the_counters_is_down(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    settings.RATE_LIMIT_COUNTERS = "cache"
    with caplog.at_level("WARNING", logger="config.throttling"):
        response = APIClient().get("/api/v1/solutions/")
    assert response.status_code == 200
    assert "rate limit not applied (ConnectionError)" in caplog.text
