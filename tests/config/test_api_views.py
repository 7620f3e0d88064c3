"""A 201's Location is the created object's API URL, in every view set that creates."""

import pytest

from tests.factories import SolutionFactory

pytestmark = pytest.mark.django_db


def test_a_created_lead_is_located_at_its_api_url_not_its_tender_url(client_for, agency_user):
    agency = client_for(agency_user)
    for url in ("https://x.example/a", ""):
        response = agency.post(
            "/api/v1/leads/", {"country": "VN", "title_en": "Bus", "url": url}, format="json"
        )
        assert response.status_code == 201
        assert response["Location"] == f"http://testserver/api/v1/leads/{response.json()['id']}/"


def test_created_needs_and_alert_subscriptions_are_located_at_their_api_url(
    client_for, municipality_user, vendor_user
):
    need = client_for(municipality_user).post(
        "/api/v1/needs/", {"title_en": "Parking", "category": "mobility"}, format="json"
    )
    assert need["Location"] == f"http://testserver/api/v1/needs/{need.json()['id']}/"
    solution = SolutionFactory(vendor=vendor_user.organisation)
    alert = client_for(vendor_user).post(
        "/api/v1/alert-subscriptions/", {"solution": solution.pk}, format="json"
    )
    assert alert.status_code == 201, alert.content
    assert alert["Location"] == (
        f"http://testserver/api/v1/alert-subscriptions/{alert.json()['id']}/"
    )
