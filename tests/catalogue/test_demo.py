"""The demo loader and its catalogue."""

import io
import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command

from catalogue.exchange import validate_document
from catalogue.management.commands.load_demo import DEMO_FILE, DEMO_PASSWORD
from catalogue.models import Certification, Organisation, Pilot, Solution, User
from catalogue.vocabularies import Category


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


def test_demo_certifications_span_expired_expiring_and_long_valid():
    ends = [
        c["valid_until"]
        for s in demo()["solutions"]
        for c in s["certifications"]
        if "valid_until" in c
    ]
    assert any(end < "2026-11-26" for end in ends)
    assert any("2026-11-26" <= end <= "2027-02-28" for end in ends)
    assert any(end >= "2028-01-01" for end in ends)


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
    )
    assert Solution.objects.filter(status="published").count() == 36
    assert DEMO_PASSWORD in out.getvalue() and "demo only" in out.getvalue()
    assert "solutions: 0 created, 0 updated, 36 unchanged" in out.getvalue()


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
