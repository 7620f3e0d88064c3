"""Shared fixtures: users of every role, API clients, a temporary media root per test."""

import pytest
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, UserFactory


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
