"""match_all, the command, and automatic re-matching when a solution changes."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import Solution
from catalogue.services.solutions import solution_publish, solution_submit, solution_update
from matching import services
from matching.models import Lead, Match, Need
from tests.factories import CertificationFactory, SolutionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reindex, municipality_user):
    good = SolutionFactory(
        status=Solution.Status.PUBLISHED,
        published_at=timezone.now(),
        name_en="Smart parking guidance",
    )
    CertificationFactory(solution=good, valid_until=dt.date(2030, 1, 1))
    reindex()
    deadline = timezone.localdate() + dt.timedelta(days=90)
    needs = [
        Need.objects.create(
            organisation=municipality_user.organisation,
            title_en=f"Smart parking guidance {i}",
            category="mobility",
            budget_max=300_000_000,
            budget_currency="KRW",
            deadline=deadline,
            status=Need.Status.PUBLISHED,
        )
        for i in range(3)
    ]
    Need.objects.create(title_en="Draft parking", category="mobility")  # not matched
    lead = Lead.objects.create(
        country="VN", title_en="Parking guidance", category="mobility", deadline=deadline
    )
    return {"good": good, "needs": needs, "lead": lead}


def test_match_all_reports_progress_and_keeps_decisions_on_rerun(world, municipality_user):
    seen = []
    counts = services.match_all(progress=lambda done, total: seen.append((done, total)))
    assert counts["needs"] == 3 and counts["leads"] == 1
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    match = Match.objects.filter(need=world["needs"][0]).first()
    services.match_set_status(match=match, status="shortlisted", user=municipality_user)
    before = Match.objects.count()
    services.match_all(leads=False)
    assert Match.objects.count() == before
    assert Match.objects.get(pk=match.pk).status == "shortlisted"


def test_match_all_command_prints_a_progress_bar_on_stderr(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("match_all", stdout=out, stderr=err)
    assert "matched 3 needs and 1 leads" in out.getvalue()
    assert "4/4" in err.getvalue()


def test_a_changed_solution_updates_its_matches_after_commit(
    world, django_capture_on_commit_callbacks
):
    services.match_all()
    match = Match.objects.get(need=world["needs"][0], solution=world["good"])
    assert match.compliant
    vendor_user = UserFactory(organisation=world["good"].vendor)
    with django_capture_on_commit_callbacks(execute=True):
        solution_update(
            user=vendor_user,
            solution=world["good"],
            data={"price_min": 800_000_000, "price_max": 900_000_000},
        )
    match.refresh_from_db()
    assert not match.compliant and match.violations == ["over_budget"]


def test_a_newly_published_solution_joins_the_matches_of_its_category(
    world, operator_user, django_capture_on_commit_callbacks
):
    services.match_all()
    newcomer = SolutionFactory(name_en="Parking guidance signs")
    vendor_user = UserFactory(organisation=newcomer.vendor)
    with django_capture_on_commit_callbacks(execute=True):
        solution_submit(user=vendor_user, solution=newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        solution_publish(user=operator_user, solution=newcomer)
    assert Match.objects.filter(need=world["needs"][1], solution=newcomer).exists()
    assert Match.objects.filter(lead=world["lead"], solution=newcomer).exists()


def test_rejecting_a_certificate_marks_the_matches_non_compliant(
    world, operator_user, django_capture_on_commit_callbacks
):
    from catalogue.services.solutions import certification_verify

    services.match_all()
    need = world["needs"][0]
    need.required_certifications = ["gs"]
    need.save()
    services.need_match(need=need)
    cert = world["good"].certifications.get()
    with django_capture_on_commit_callbacks(execute=True):
        certification_verify(user=operator_user, certification=cert, decision="rejected",
                             note="Forged.")  # fmt: skip
    match = Match.objects.get(need=need, solution=world["good"])
    assert match.violations == ["missing_certification:gs"]
