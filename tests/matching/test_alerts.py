"""Opportunity alerts: subscriptions, the digest e-mail, never the same match twice."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import Solution
from matching import alerts
from matching.models import AlertDelivery, Lead, Match, Need
from tests.factories import SolutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(vendor_user, municipality_user):
    solution = SolutionFactory(
        vendor=vendor_user.organisation, status=Solution.Status.PUBLISHED,
        published_at=timezone.now(), name_en="Parking guidance",
    )  # fmt: skip
    deadline = timezone.localdate() + dt.timedelta(days=30)
    need = Need.objects.create(
        organisation=municipality_user.organisation, title_en="Parking for the market",
        category="mobility", deadline=deadline, status=Need.Status.PUBLISHED,
    )  # fmt: skip
    draft = Need.objects.create(title_en="Secret draft", category="mobility")
    lead = Lead.objects.create(country="VN", title_en="Da Nang parking", category="mobility")
    low = Lead.objects.create(country="TH", title_en="Bangkok kiosks", category="mobility")
    for target, score in ((need, 0.8), (draft, 0.9), (lead, 0.7), (low, 0.2)):
        field = "need" if isinstance(target, Need) else "lead"
        Match.objects.create(
            **{field: target}, solution=solution, rank=1, score=score,
            explanation_en=f"Because {target.title_en} fits.",
        )  # fmt: skip
    return {"solution": solution, "need": need, "lead": lead}


def test_digest_lists_matches_above_threshold_with_explanations_once(setup, vendor_user):
    alerts.alert_subscribe(user=vendor_user, solution=setup["solution"], threshold=0.5)
    alerts.alert_subscribe(user=vendor_user, category="mobility", threshold=0.5)
    call_command("send_opportunity_alerts")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Parking for the market" in body and "Da Nang parking" in body
    assert "Because Parking for the market fits." in body
    assert "Secret draft" not in body and "Bangkok" not in body
    assert mail.outbox[0].to == [vendor_user.email]
    assert AlertDelivery.objects.count() == 2
    call_command("send_opportunity_alerts")
    assert len(mail.outbox) == 1  # nothing new: no second e-mail


def test_only_vendors_subscribe_and_only_to_their_own_solutions(
    setup, other_vendor_user, municipality_user
):
    with pytest.raises(PermissionDenied):
        alerts.alert_subscribe(user=other_vendor_user, solution=setup["solution"])
    with pytest.raises(PermissionDenied):
        alerts.alert_subscribe(user=municipality_user, category="mobility")


def test_api_subscriptions_are_per_organisation(client_for, setup, vendor_user, other_vendor_user):
    mine = client_for(vendor_user).post(
        "/api/v1/alert-subscriptions/", {"category": "mobility", "threshold": 0.6}, format="json"
    )
    assert mine.status_code == 201, mine.json()
    sub_id = mine.json()["id"]
    other = client_for(other_vendor_user)
    assert other.get("/api/v1/alert-subscriptions/").json()["results"] == []
    assert other.delete(f"/api/v1/alert-subscriptions/{sub_id}/").status_code == 404
    theirs = other.post(
        "/api/v1/alert-subscriptions/", {"solution": setup["solution"].id}, format="json"
    )
    assert theirs.status_code == 403
    bad = client_for(vendor_user).post(
        "/api/v1/alert-subscriptions/", {"threshold": 2}, format="json"
    )
    assert bad.status_code == 400
