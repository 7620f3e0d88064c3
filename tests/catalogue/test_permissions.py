"""The permission matrix: role × solution status × operation, through the API."""

import pytest

from tests.factories import CertificationFactory, SolutionFactory

ROLES = ["anonymous", "owner", "other_vendor", "municipality", "agency", "operator"]
STATUSES = ["draft", "submitted", "published", "archived"]


@pytest.fixture
def users(vendor_user, other_vendor_user, municipality_user, agency_user, operator_user):
    return {
        "anonymous": None,
        "owner": vendor_user,
        "other_vendor": other_vendor_user,
        "municipality": municipality_user,
        "agency": agency_user,
        "operator": operator_user,
    }


def _visible(role, status):
    return status == "published" or role in ("owner", "operator")


def _expected(role, status, operation):
    """The status code the rules promise for one cell of the matrix."""
    if operation == "read":
        return 200 if _visible(role, status) else 404
    if role == "anonymous":
        return 401
    if not _visible(role, status):
        return 404
    if operation == "update":
        if role != "owner":
            return 403
        return 409 if status == "archived" else 200
    if operation == "submit":
        if role != "owner":
            return 403
        return 200 if status == "draft" else 409
    if operation == "publish":
        if role != "operator":
            return 403
        return 200 if status == "submitted" else 409
    if operation == "verify":
        return 200 if role == "operator" else 403
    raise AssertionError(operation)


def _call(client, operation, solution):
    base = f"/api/v1/solutions/{solution.id}/"
    if operation == "read":
        return client.get(base)
    if operation == "update":
        return client.patch(base, {"summary_en": "Edited."}, format="json")
    if operation == "submit":
        return client.post(base + "submit/")
    if operation == "publish":
        return client.post(base + "publish/")
    if operation == "verify":
        cert = CertificationFactory(solution=solution)
        return client.post(
            f"/api/v1/certifications/{cert.id}/verify/", {"decision": "verified"}, format="json"
        )
    raise AssertionError(operation)


@pytest.mark.parametrize("operation", ["read", "update", "submit", "publish", "verify"])
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(users, client_for, role, status, operation):
    solution = SolutionFactory(vendor=users["owner"].organisation, status=status)
    response = _call(client_for(users[role]), operation, solution)
    assert response.status_code == _expected(role, status, operation), response.content


@pytest.mark.parametrize("role", ["owner", "operator"])
def test_archive_is_for_the_vendor_or_the_operator(users, client_for, role):
    solution = SolutionFactory(vendor=users["owner"].organisation, status="published")
    response = client_for(users[role]).post(f"/api/v1/solutions/{solution.id}/archive/")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"


@pytest.mark.parametrize("role", ["other_vendor", "municipality", "agency"])
def test_others_cannot_archive_a_published_solution(users, client_for, role):
    solution = SolutionFactory(vendor=users["owner"].organisation, status="published")
    response = client_for(users[role]).post(f"/api/v1/solutions/{solution.id}/archive/")
    assert response.status_code == 403


def test_list_shows_each_user_what_it_may_see(users, client_for):
    own_draft = SolutionFactory(vendor=users["owner"].organisation, status="draft")
    other_draft = SolutionFactory(vendor=users["other_vendor"].organisation, status="draft")
    published = SolutionFactory(status="published")

    def ids(role):
        response = client_for(users[role]).get("/api/v1/solutions/")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("anonymous") == {published.id}
    assert ids("municipality") == {published.id}
    assert ids("owner") == {published.id, own_draft.id}
    assert ids("other_vendor") == {published.id, other_draft.id}
    assert ids("operator") == {published.id, own_draft.id, other_draft.id}


def test_forbidden_response_says_why(users, client_for):
    solution = SolutionFactory(status="published")
    response = client_for(users["owner"]).patch(
        f"/api/v1/solutions/{solution.id}/", {"trl": 3}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "vendor that lists" in response.json()["detail"]
