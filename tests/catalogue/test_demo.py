"""The demo loader and its catalogue."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command

from catalogue.exchange import validate_document
from catalogue.management.commands.load_demo import (
    DEMO_AS_OF,
    DEMO_FILE,
    DEMO_PASSWORD,
    months_between,
    shift_demo_dates,
    shift_months,
)
from catalogue.models import Certification, Organisation, Pilot, Solution, User
from catalogue.vocabularies import Category
from matching.demo import DEMO_LEADS, DEMO_NEEDS
from matching.models import Lead, Match, Need, Registration


def demo():
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_demo_catalogue_is_valid_and_covers_every_category():
    document = demo()
    assert validate_document(document) == []
    assert len(document["vendors"]) == 12
    assert len(document["solutions"]) == 36
    assert {s["category"] for s in document["solutions"]} == set(Category.values)
    for solution in document["solutions"]:
        assert set(solution["name"]) == {"en", "ko"}, solution["id"]
        assert set(solution["summary"]) == {"en", "ko"}, solution["id"]
    currencies = {s["price"]["currency"] for s in document["solutions"]}
    assert currencies == {"KRW", "USD"}
    pilot_countries = {p["country"] for s in document["solutions"] for p in s["pilots"]}
    assert {"KR", "VN", "ID", "AE", "PE", "PL"} <= pilot_countries
    tiers = {p["tier"] for s in document["solutions"] for p in s["pilots"] if p["country"] == "KR"}
    assert tiers == {"metropolitan", "city", "county"}


def validity_mix(document: dict, today: dt.date) -> tuple[int, int, int]:
    """(expired, expiring within 90 days, valid for more than a year) certifications."""
    ends = [
        dt.date.fromisoformat(c["valid_until"])
        for s in document["solutions"]
        for c in s["certifications"]
        if "valid_until" in c
    ]
    return (
        sum(end < today for end in ends),
        sum(today <= end <= today + dt.timedelta(days=90) for end in ends),
        sum(end > today + dt.timedelta(days=365) for end in ends),
    )


def test_demo_certifications_span_expired_expiring_and_long_valid():
    expired, expiring, long_valid = validity_mix(demo(), DEMO_AS_OF + dt.timedelta(days=25))
    assert expired >= 3 and expiring >= 3 and long_valid >= 10


def test_demo_dates_move_with_the_month_the_demo_is_loaded_in():
    written = validity_mix(demo(), DEMO_AS_OF + dt.timedelta(days=25))
    for later in (dt.date(2027, 12, 26), dt.date(2031, 3, 26)):
        moved = shift_demo_dates(demo(), months_between(DEMO_AS_OF, later))
        assert validity_mix(moved, later) == written, later
        assert validity_mix(demo(), later) != written  # without the move the demo decays
    pilot = shift_demo_dates(demo(), 14)["solutions"][0]["pilots"][0]
    assert (
        pilot["start"]
        == shift_months(
            dt.date.fromisoformat(demo()["solutions"][0]["pilots"][0]["start"]), 14
        ).isoformat()
    )


@pytest.mark.parametrize(
    ("day", "months", "moved"),
    [
        (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # a month's last day stays last
        (dt.date(2026, 2, 28), 1, dt.date(2026, 3, 31)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 3, 30), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 12, 5), 0, dt.date(2026, 12, 5)),
    ],
)
def test_shift_months(day, months, moved):
    assert shift_months(day, months) == moved


def test_demo_texts_are_not_taken_from_the_dev_set():
    dev_set = Path(settings.BASE_DIR).parent / "shared/data/dev-set.json"
    if not dev_set.exists():
        pytest.skip(f"the shared dev set is not beside the clone ({dev_set})")
    dev = json.loads(dev_set.read_text(encoding="utf-8"))

    def texts(document):
        for section in ("vendors", "solutions"):
            for item in document[section]:
                for key in ("name", "summary", "description"):
                    yield from item.get(key, {}).values()
                for pilot in item.get("pilots", []):
                    yield from pilot.get("summary", {}).values()

    assert set(texts(demo())).isdisjoint(set(texts(dev)))
    opportunities = {
        text
        for item in (*DEMO_NEEDS, *DEMO_LEADS)
        for key in ("title_ko", "title_en", "description_ko", "description_en")
        if (text := item.data.get(key))
    }
    dev_opportunities = {
        text
        for section in ("needs", "leads")
        for item in dev.get(section, [])
        for key in ("title", "description")
        for text in (item.get(key) or {}).values()
    }
    assert opportunities and opportunities.isdisjoint(dev_opportunities)


@pytest.mark.django_db
def test_load_demo_twice_does_not_duplicate_anything():
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        Solution.objects.count(),
        Certification.objects.count(),
        Pilot.objects.count(),
        EmailAddress.objects.count(),
        Need.objects.count(),
        Lead.objects.count(),
        Match.objects.count(),
        Registration.objects.count(),
    )
    out = io.StringIO()
    call_command("load_demo", stdout=out, stderr=io.StringIO())
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        Solution.objects.count(),
        Certification.objects.count(),
        Pilot.objects.count(),
        EmailAddress.objects.count(),
        Need.objects.count(),
        Lead.objects.count(),
        Match.objects.count(),
        Registration.objects.count(),
    )
    assert Solution.objects.filter(status="published").count() == 36
    assert DEMO_PASSWORD in out.getvalue() and "demo only" in out.getvalue()
    assert "solutions: 0 created, 0 updated, 36 unchanged" in out.getvalue()
    assert "demo needs: 0 posted and matched, 3 there" in out.getvalue()


# The demo solution each demo need or lead was written for: it must be on the shortlist's top 3.
EXPECTED = {
    "Early flash-flood warning for valley campsites": {"s-demo-15"},
    "Daily wellbeing checks for older residents living alone": {"s-demo-21"},
    "Signal priority for rapid buses at junctions": {"s-demo-01"},
    "Urban canal flood monitoring and public warning": {"s-demo-15"},
    "Bus corridor signal priority and punctuality monitoring": {"s-demo-01"},
    "Pilot of sensor-based waste bin collection": {"s-demo-16"},
}


@pytest.mark.django_db
def test_demo_needs_and_leads_are_posted_by_their_owners_and_matched():
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    county = User.objects.get(email="county@demo.example").organisation
    metro = User.objects.get(email="metro@demo.example").organisation
    agency = User.objects.get(email="agency@demo.example").organisation
    needs = Need.objects.filter(status=Need.Status.PUBLISHED)
    assert {n.organisation for n in needs} == {county, metro} and needs.count() == 3
    assert Lead.objects.filter(organisation=agency, status=Lead.Status.OPEN).count() == 3
    today = dt.date.today()
    for opportunity in (*needs, *Lead.objects.all()):
        assert opportunity.deadline > today
        matches = Match.objects.filter(**{opportunity._meta.model_name: opportunity})
        top = list(matches.order_by("-score").select_related("solution")[:3])
        assert top and all(m.explanation("en") for m in top), opportunity.title_en
        assert {m.solution.exchange_id for m in top} >= EXPECTED[opportunity.title_en]
        assert top[0].compliant, opportunity.title_en  # the demo's best answer meets the terms
    required = Need.objects.exclude(required_certifications=[])
    assert required.count() == 2  # and some candidates do not: the shortlist shows the difference
    assert Match.objects.filter(need__in=required, compliant=False).exists()
    vendor = User.objects.get(email="vendor@demo.example").organisation
    registration = Registration.objects.select_related("match", "solution").get()
    assert registration.organisation == metro and registration.status == "draft"
    assert registration.solution.exchange_id == "s-demo-01"
    assert registration.match.status == Match.Status.SHORTLISTED
    assert Match.objects.filter(solution__vendor=vendor, need__isnull=False).exists()
    assert Match.objects.filter(solution__vendor=vendor, lead__isnull=False).exists()


@pytest.mark.django_db
def test_demo_users_cover_every_role_and_can_log_in(client):
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    users = {u.email: u for u in User.objects.select_related("organisation")}
    kinds = {u.organisation.kind for u in users.values()}
    assert kinds == {"operator", "vendor", "municipality", "agency"}
    tiers = {u.organisation.tier for u in users.values() if u.organisation.kind == "municipality"}
    assert tiers == {"county", "metropolitan"}
    assert all(u.organisation.is_approved for u in users.values())
    assert users["vendor@demo.example"].organisation.exchange_id == "v-demo-01"
    operator = users["operator@demo.example"]
    assert operator.is_staff and operator.is_operator()
    for user in users.values():
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary and address.email == user.email
        assert client.login(username=user.email, password=DEMO_PASSWORD)
        client.logout()
