import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from catalogue.models import KPI_VALUE_LIMIT, Certification, Kpi, Solution, kpi_improvement
from tests.factories import CertificationFactory, SolutionFactory


def test_kpi_improvement_follows_the_good_direction():
    assert kpi_improvement(48.0, 36.0, "lower") == pytest.approx(0.25)
    assert kpi_improvement(100.0, 150.0, "higher") == pytest.approx(0.5)
    assert kpi_improvement(100.0, 150.0, "lower") == pytest.approx(-0.5)
    assert kpi_improvement(0.0, 5.0, "higher") is None


def test_kpi_improvement_is_never_an_infinite_or_nan_number():
    # (−1e308 − 1e308) overflows to −inf; a baseline near zero makes any ratio overflow.
    assert kpi_improvement(1e308, -1e308, "lower") is None
    assert kpi_improvement(5e-324, 1e12, "higher") is None
    assert kpi_improvement(1, 10**400, "higher") is None


@pytest.mark.parametrize("value", [1.001e12, -1e13, 1e308, float("inf"), float("nan")])
def test_kpi_values_beyond_the_limit_fail_model_validation(value):
    kpi = Kpi(indicator="x", baseline=value, result=1.0, better="lower")
    with pytest.raises(ValidationError) as exc:
        kpi.clean()
    assert list(exc.value.message_dict) == ["baseline"]
    Kpi(indicator="x", baseline=KPI_VALUE_LIMIT, result=-KPI_VALUE_LIMIT, better="lower").clean()


@pytest.mark.django_db
def test_valid_on_is_one_query_against_a_date():
    cert = CertificationFactory(valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2026, 4, 30))
    assert list(Certification.objects.valid_on(dt.date(2026, 4, 30))) == [cert]
    assert not Certification.objects.valid_on(dt.date(2026, 5, 1)).exists()
    assert not Certification.objects.valid_on(dt.date(2023, 12, 31)).exists()


@pytest.mark.django_db
def test_solution_with_valid_certification_at_the_buyers_deadline():
    lapsing = CertificationFactory(type="gs", valid_until=dt.date(2026, 12, 31)).solution
    lasting = CertificationFactory(type="gs", valid_until=dt.date(2028, 1, 1)).solution
    found = Solution.objects.with_valid_certification("gs", on=dt.date(2027, 3, 31))
    assert list(found) == [lasting]
    assert lapsing not in found


@pytest.mark.django_db
def test_has_item_matches_whole_list_items_only():
    a = SolutionFactory(standards=["NGSI-LD", "oneM2M"])
    SolutionFactory(standards=["NGSI"])
    assert list(Solution.objects.filter(standards__has_item="NGSI-LD")) == [a]


def test_an_imported_review_event_reads_in_the_readers_language():
    from django.utils import translation

    from catalogue.models import ReviewEvent

    imported = ReviewEvent(reason=ReviewEvent.IMPORTED_REASON)
    # rows written before the constant hold the same text, so they read the same way
    assert ReviewEvent.IMPORTED_REASON == "Imported from smartcity-exchange/1."
    with translation.override("ko"):
        assert imported.reason_display == "smartcity-exchange/1 파일에서 가져왔습니다."
    with translation.override("en"):
        assert imported.reason_display == "Imported from smartcity-exchange/1."
    assert ReviewEvent(reason="사진이 없습니다.").reason_display == "사진이 없습니다."
