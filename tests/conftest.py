"""Shared fixtures: users of every role, API clients, a temporary media root per test."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _no_other_sessions_on_the_test_database(django_db_setup, django_db_blocker):
    """PostgreSQL: before the test database is dropped, end the sessions other threads of this
    process left open (tests that run real threads; each thread has its own connection), which
    otherwise turn the drop into a warning and leave the database behind."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def vendor_user(db):
    return UserFactory(organisation=OrganisationFactory(kind="vendor"), is_org_admin=True)


@pytest.fixture
def other_vendor_user(db):
    return UserFactory(organisation=OrganisationFactory(kind="vendor"), is_org_admin=True)


@pytest.fixture
def municipality_user(db):
    org = OrganisationFactory(kind="municipality", tier="county", population=33000)
    return UserFactory(organisation=org, is_org_admin=True)


@pytest.fixture
def agency_user(db):
    return UserFactory(organisation=OrganisationFactory(kind="agency"), is_org_admin=True)


@pytest.fixture
def operator_user(db):
    return UserFactory(organisation=OrganisationFactory(kind="operator"), is_org_admin=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """``client_for(user)``: an API client authenticated as ``user`` (or anonymous for None)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
