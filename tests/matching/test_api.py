"""The matching API, per role."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Solution
from matching.models import Lead, Need
from tests.factories import CertificationFactory, OrganisationFactory, SolutionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def solution(vendor_user, reindex):
    s = SolutionFactory(
        vendor=vendor_user.organisation,
        status=Solution.Status.PUBLISHED,
        published_at=timezone.now(),
        name_en="Smart parking guidance",
    )
    CertificationFactory(solution=s)
    reindex()
    return s


def create_need(client, **extra):
    return client.post(
        "/api/v1/needs/",
        {"title_en": "Smart parking guidance", "category": "mobility", "budget_max": "300000000",
         "budget_currency": "KRW", "required_certifications": ["gs"], "deadline": "2027-03-31"},
        format="json",
        **extra,
    )  # fmt: skip


def test_municipality_creates_a_private_need_and_sees_its_matches_once_published(
    client_for, municipality_user, vendor_user, solution
):
    buyer = client_for(municipality_user)
    response = create_need(buyer)
    assert response.status_code == 201, response.json()
    need_id = response.json()["id"]
    assert client_for(vendor_user).get(f"/api/v1/needs/{need_id}/").status_code == 404
    assert buyer.post(f"/api/v1/needs/{need_id}/publish/").status_code == 200
    assert client_for(vendor_user).get(f"/api/v1/needs/{need_id}/").status_code == 200
    matches = buyer.get(f"/api/v1/needs/{need_id}/matches/").json()["results"]
    assert matches[0]["solution"] == solution.id
    assert matches[0]["explanation"] and matches[0]["breakdown"]["compliant"] is True
    # the vendor sees the need as an opportunity of its solution, not the buyer's matches
    assert client_for(vendor_user).get(f"/api/v1/needs/{need_id}/matches/").status_code == 403
    opp = client_for(vendor_user).get(f"/api/v1/solutions/{solution.id}/opportunities/")
    assert [m["need"] for m in opp.json()["results"]] == [need_id]


def test_refusals_are_in_the_requests_language(
    client_for, municipality_user, vendor_user, agency_user, solution
):
    buyer = client_for(municipality_user)
    need_id = create_need(buyer).json()["id"]
    assert buyer.post(f"/api/v1/needs/{need_id}/publish/").status_code == 200
    refused = client_for(vendor_user).get(
        f"/api/v1/needs/{need_id}/matches/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "이 수요를 등록한 기관만 매칭 결과를 볼 수 있습니다."
    posted = create_need(client_for(agency_user), HTTP_ACCEPT_LANGUAGE="ko")
    assert posted.status_code == 403
    assert posted.json()["detail"] == "지자체 사용자만 할 수 있습니다."
    alert = client_for(vendor_user).post(
        "/api/v1/alert-subscriptions/", {"category": "mobility", "threshold": 2}, format="json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )  # fmt: skip
    assert alert.status_code == 400
    assert alert.json()["errors"]["threshold"] == ["0과 1 사이여야 합니다."]


def test_vendor_and_agency_cannot_post_needs(client_for, vendor_user, agency_user):
    assert create_need(client_for(vendor_user)).status_code == 403
    assert create_need(client_for(agency_user)).status_code == 403
    assert create_need(client_for(None)).status_code == 401


def test_bad_need_input_is_a_400_naming_the_field(client_for, municipality_user):
    response = client_for(municipality_user).post(
        "/api/v1/needs/",
        {"title_en": "x", "category": "spaceflight", "required_certifications": ["nope"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"category", "required_certifications"}


def test_agency_creates_a_lead_and_moves_a_match_along(client_for, agency_user, solution):
    agency = client_for(agency_user)
    response = agency.post(
        "/api/v1/leads/",
        {"country": "VN", "city": "Da Nang", "title_en": "Smart parking guidance",
         "category": "mobility", "deadline": str(timezone.localdate() + dt.timedelta(days=60))},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    lead_id = response.json()["id"]
    match = agency.get(f"/api/v1/leads/{lead_id}/matches/").json()["results"][0]
    url = f"/api/v1/matches/{match['id']}/status/"
    assert agency.post(url, {"status": "shortlisted"}, format="json").json()["status"] == (
        "shortlisted"
    )
    bad = agency.post(url, {"status": "declined"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    assert Lead.objects.get(pk=lead_id).matches.get(pk=match["id"]).events.count() == 1


def test_only_the_owning_vendor_sees_a_solutions_opportunities(
    client_for, other_vendor_user, municipality_user, solution
):
    url = f"/api/v1/solutions/{solution.id}/opportunities/"
    assert client_for(other_vendor_user).get(url).status_code == 403
    assert client_for(municipality_user).get(url).status_code == 403


def test_another_municipality_cannot_change_a_need(client_for, municipality_user):
    other = UserFactory(organisation=OrganisationFactory(kind="municipality", tier="city"))
    need = Need.objects.create(
        organisation=municipality_user.organisation,
        title_en="Parking",
        category="mobility",
        status=Need.Status.PUBLISHED,
    )
    response = client_for(other).patch(f"/api/v1/needs/{need.id}/", {"title_en": "Mine"})
    assert response.status_code == 403


def _lead(client, **fields):
    return client.post("/api/v1/leads/", {"country": "VN", "title_en": "Bus", **fields}, "json")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "zz"}, "country"),
        ({"budget_max": "5", "budget_currency": "zzz"}, "budget_currency"),
        ({"budget_max": "-1", "budget_currency": "USD"}, "budget_max"),
        ({"budget_max": "5"}, "budget_currency"),
    ],
)
def test_lead_with_a_code_or_budget_that_is_not_valid_is_a_400_naming_the_field(
    client_for, agency_user, fields, field
):
    response = _lead(client_for(agency_user), **fields)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Lead.objects.exists()


def test_lead_codes_are_upper_cased_like_the_csv_import(client_for, agency_user):
    response = _lead(client_for(agency_user), country="vn", budget_max="5", budget_currency="usd")
    assert response.status_code == 201
    assert (response.json()["country"], response.json()["budget_currency"]) == ("VN", "USD")


def test_patching_a_lead_with_a_negative_budget_is_a_400(client_for, agency_user):
    agency = client_for(agency_user)
    lead_id = _lead(agency).json()["id"]
    response = agency.patch(f"/api/v1/leads/{lead_id}/", {"budget_max": "-1"}, format="json")
    assert response.status_code == 400 and "budget_max" in response.json()["errors"]


@pytest.mark.parametrize(
    "fields",
    [{"budget_max": "5", "budget_currency": "zzz"}, {"budget_max": "5"}],
)
def test_need_with_an_unknown_or_missing_currency_is_a_400(client_for, municipality_user, fields):
    body = {"title_en": "Parking", "category": "mobility", **fields}
    response = client_for(municipality_user).post("/api/v1/needs/", body, format="json")
    assert response.status_code == 400 and "budget_currency" in response.json()["errors"]


def test_a_lead_or_need_without_a_title_is_a_400_naming_the_title_fields(
    client_for, agency_user, municipality_user
):
    lead = _lead(client_for(agency_user), title_en="", title_ko="")
    need = client_for(municipality_user).post(
        "/api/v1/needs/", {"title_en": "", "title_ko": "", "category": "mobility"}, format="json"
    )
    for response in (lead, need):
        errors = response.json()["errors"]
        assert response.status_code == 400 and set(errors) == {"title_en", "title_ko"}
        assert "has_a_title" not in str(errors)


def test_needs_and_leads_refuse_fields_they_do_not_take(client_for, agency_user, municipality_user):
    """A client that sends ``status`` must learn it is not how a need is published."""
    need = client_for(municipality_user).post(
        "/api/v1/needs/",
        {"title_en": "Parking", "category": "mobility", "status": "published", "colour": "red"},
        format="json",
    )
    assert need.status_code == 400 and set(need.json()["errors"]) == {"status", "colour"}
    lead = _lead(client_for(agency_user), priority="high")
    assert lead.status_code == 400 and set(lead.json()["errors"]) == {"priority"}
    assert not Need.objects.exists() and not Lead.objects.exists()
