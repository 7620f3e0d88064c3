"""The profile loader's compiled SQL returns exactly what the plain ORM returns."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Solution
from matching import selectors
from tests.factories import CertificationFactory, KpiFactory, PilotFactory, SolutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_catalogue():
    """Forty solutions mixing what the converters see: missing prices, dates and lists, drafts,
    several certifications, pilots with and without KPIs."""
    ids = []
    for n in range(40):
        solution = SolutionFactory(
            status=Solution.Status.DRAFT if n % 7 == 3 else Solution.Status.PUBLISHED,
            published_at=None if n % 5 == 1 else timezone.now() - dt.timedelta(days=n, hours=n),
            price_min=None if n % 4 == 0 else 1_000_000 + n * 12_345.67,
            price_max=None if n % 4 == 0 else 90_000_000.5 + n,
            currency="" if n % 6 == 0 else "USD",
            languages=[] if n % 3 == 0 else ["ko", "en"][: 1 + n % 2],
            reference_countries=["KR", "VN"] if n % 2 else [],
        )
        ids.append(solution.id)
        for c in range(n % 3):
            CertificationFactory(
                solution=solution,
                type=("gs", "iso27001")[c],
                valid_from=None if c else dt.date(2024, 1, 1 + n % 20),
                valid_until=None if n % 2 else dt.date(2027, 12, 31),
                verification=("pending", "verified", "rejected")[n % 3],
            )
        for p in range(n % 4):
            pilot = PilotFactory(
                solution=solution,
                end=None if p else dt.date(2025, 1 + n % 12, 1),
                population=None if n % 2 else 50_000 + n,
            )
            for k in range(p):
                KpiFactory(pilot=pilot, baseline=10.0 + k, result=7.5 - n / 10, better="lower")
    return ids


def test_size_classes_cover_every_count_with_at_most_half_again_as_many_ids():
    for count in range(1, 5000):
        size = selectors._size_class(count)
        assert count <= size <= max(8, count * 3 // 2)
    assert len({selectors._size_class(c) for c in range(1, 2049)}) < 20


@pytest.mark.parametrize("size", [1, 2, 7, 8, 9, 13, 25, 40])
def test_compiled_loader_returns_the_rows_of_the_plain_orm(varied_catalogue, size):
    ids = varied_catalogue[-size:]
    plain = selectors._load_rows(ids, compiled=False)
    compiled = selectors._load_rows(ids, compiled=True)
    assert plain  # the slices always hold published solutions
    assert compiled == plain
    assert repr(compiled) == repr(plain)  # same types too (dates, datetimes, floats)


def test_compiled_loader_skips_missing_unpublished_and_repeated_ids(varied_catalogue):
    drafts = set(Solution.objects.exclude(status="published").values_list("id", flat=True))
    ids = [*varied_catalogue[:10], 10**9, *varied_catalogue[:3]]
    rows = selectors._load_rows(ids)
    assert set(rows) == set(varied_catalogue[:10]) - drafts
    assert repr(rows) == repr(selectors._load_rows(ids, compiled=False))
    assert selectors._load_rows([10**9]) == {}


def test_profiles_in_four_queries_and_past_the_compiled_sizes_through_the_orm(
    varied_catalogue, monkeypatch, django_assert_num_queries
):
    with django_assert_num_queries(4):
        compiled = selectors.solution_profiles(varied_catalogue)
    with django_assert_num_queries(1):  # cached: the version stamps only
        assert selectors.solution_profiles(list(compiled)) == compiled
    selectors.forget_profiles()
    monkeypatch.setattr(selectors, "COMPILED_MAX_IDS", 8)
    with django_assert_num_queries(4):
        assert selectors.solution_profiles(varied_catalogue) == compiled
    assert len(compiled) == sum(1 for n in range(40) if n % 7 != 3)


def test_a_verification_in_another_process_reaches_cached_profiles(operator_user):
    """Another process's cache never hears this process's signals: the stamp must tell it."""
    from catalogue.services import solutions as catalogue_services

    pilot = PilotFactory(solution=SolutionFactory(status=Solution.Status.PUBLISHED))
    sid = pilot.solution_id
    assert selectors.solution_profiles([sid])[sid].pilots[0].verification == "pending"
    other_process_cache = dict(selectors._PROFILE_CACHE)
    catalogue_services.pilot_verify(user=operator_user, pilot=pilot, decision="verified")
    selectors._PROFILE_CACHE.update(other_process_cache)  # as if the signal never came
    assert selectors.solution_profiles([sid])[sid].pilots[0].verification == "verified"


def test_leads_are_for_agencies_vendors_and_operators_not_municipalities(
    agency_user, vendor_user, operator_user, municipality_user, client_for
):
    from matching.models import Lead

    lead = Lead.objects.create(country="VN", title_en="Bus tracking")
    for user in (agency_user, vendor_user, operator_user):
        assert list(selectors.lead_list(user=user)) == [lead]
    assert not selectors.lead_list(user=municipality_user).exists()
    buyer = client_for(municipality_user)
    assert buyer.get("/api/v1/leads/").json()["results"] == []
    assert buyer.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
