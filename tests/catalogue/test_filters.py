"""Catalogue filters, through the selector and the API (runs on SQLite and PostgreSQL)."""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue import selectors
from catalogue.filters import SolutionFilter
from tests.factories import CertificationFactory, PilotFactory, SolutionFactory

pytestmark = pytest.mark.django_db


def _published(**kwargs):
    return SolutionFactory(status="published", **kwargs)


def _ids(client, query: str) -> set[int]:
    response = client.get(f"/api/v1/solutions/?{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_certification_valid_on_the_buyers_deadline(client_for):
    lapsing = _published()
    CertificationFactory(solution=lapsing, type="gs", valid_until=dt.date(2026, 12, 31))
    lasting = _published()
    CertificationFactory(solution=lasting, type="gs", valid_until=dt.date(2028, 1, 1))
    other_type = _published()
    CertificationFactory(solution=other_type, type="nep", valid_until=dt.date(2028, 1, 1))
    rejected = _published()
    CertificationFactory(
        solution=rejected, type="gs", valid_until=dt.date(2028, 1, 1), verification="rejected"
    )
    client = client_for(None)
    assert _ids(client, "certification=gs&valid_on=2027-03-31") == {lasting.id}
    assert _ids(client, "certification=gs&valid_on=2026-06-01") == {lapsing.id, lasting.id}
    assert _ids(client, "valid_on=2027-03-31") == {lasting.id, other_type.id}


def test_certification_filter_defaults_to_today(client_for):
    today = timezone.localdate()
    valid = _published()
    CertificationFactory(solution=valid, type="kc", valid_until=today)
    expired = _published()
    CertificationFactory(solution=expired, type="kc", valid_until=today - dt.timedelta(days=1))
    assert _ids(client_for(None), "certification=kc") == {valid.id}


def test_has_item_list_filters_match_whole_items(client_for):
    a = _published(
        standards=["NGSI-LD", "oneM2M"],
        languages=["ko", "en"],
        deployment=["cloud", "edge"],
        reference_countries=["KR", "VN"],
        tags=["parking"],
    )
    b = _published(
        standards=["NGSI"],
        languages=["ko"],
        deployment=["on-premise"],
        reference_countries=["KR"],
        tags=["parking-lot"],
    )
    client = client_for(None)
    assert _ids(client, "standard=NGSI-LD") == {a.id}
    assert _ids(client, "standard=NGSI") == {b.id}
    assert _ids(client, "language=en") == {a.id}
    assert _ids(client, "language=ko") == {a.id, b.id}
    assert _ids(client, "deployment=edge") == {a.id}
    assert _ids(client, "reference_country=VN") == {a.id}
    assert _ids(client, "tag=parking") == {a.id}


def test_pilot_tier_and_country_without_duplicates(client_for):
    a = _published()
    PilotFactory(solution=a, tier="county", country="KR")
    PilotFactory(solution=a, tier="county", country="VN")
    b = _published()
    PilotFactory(solution=b, tier="metropolitan", country="KR")
    client = client_for(None)
    response = client.get("/api/v1/solutions/?pilot_tier=county")
    assert [row["id"] for row in response.json()["results"]] == [a.id]
    assert _ids(client, "pilot_country=KR") == {a.id, b.id}
    assert _ids(client, "pilot_country=VN&pilot_tier=county") == {a.id}


def test_price_range_overlaps(client_for):
    cheap = _published(price_min=1_000, price_max=5_000)
    dear = _published(price_min=50_000, price_max=90_000)
    open_top = _published(price_min=20_000, price_max=None)
    _published(price_min=None, price_max=None)
    client = client_for(None)
    assert _ids(client, "price_max=10000") == {cheap.id}
    assert _ids(client, "price_min=60000") == {dear.id, open_top.id}
    assert _ids(client, "price_min=4000&price_max=25000") == {cheap.id, open_top.id}


def test_category_and_combined_filters(client_for):
    a = _published(category="safety", standards=["NGSI-LD"])
    _published(category="safety", standards=[])
    _published(category="mobility", standards=["NGSI-LD"])
    assert _ids(client_for(None), "category=safety&standard=NGSI-LD") == {a.id}


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("category=space", "category"),
        ("certification=bogus", "certification"),
        ("valid_on=31-03-2027", "valid_on"),
        ("pilot_tier=village", "pilot_tier"),
        ("pilot_country=korea", "pilot_country"),
        ("reference_country=kr", "reference_country"),
        ("price_min=cheap", "price_min"),
        ("price_min=10&price_max=5", "price_max"),
        ("language=ja", "language"),
        ("deployment=mainframe", "deployment"),
        ("currency=won", "currency"),
        ("vendor=99999999999999999999999", "vendor"),
        ("vendor=1.5", "vendor"),
        ("vendor=0", "vendor"),
        ("changed_since_review=maybe", "changed_since_review"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(client_for, query, param):
    response = client_for(None).get(f"/api/v1/solutions/?{query}")
    assert response.status_code == 400
    assert param in response.json()["errors"]


def test_vendor_and_changed_since_review_filter_by_their_exact_values(client_for):
    edited = _published(changed_since_review=True)
    untouched = _published()
    client = client_for(None)
    assert _ids(client, f"vendor={edited.vendor_id}") == {edited.id}
    for word in ("true", "True", "1", "yes"):
        assert _ids(client, f"changed_since_review={word}") == {edited.id}
    for word in ("false", "FALSE", "0", "no"):
        assert _ids(client, f"changed_since_review={word}") == {untouched.id}
    assert _ids(client, "changed_since_review=") == {edited.id, untouched.id}


def test_filters_never_reveal_invisible_solutions(vendor_user, client_for):
    SolutionFactory(status="draft", category="energy")
    own = SolutionFactory(vendor=vendor_user.organisation, status="draft", category="energy")
    assert _ids(client_for(None), "category=energy") == set()
    assert _ids(client_for(vendor_user), "category=energy&status=draft") == {own.id}


def test_selector_raises_validation_error_for_bad_filters():
    with pytest.raises(ValidationError) as exc:
        selectors.solution_list(user=None, filters={"category": "space"})
    assert "category" in exc.value.message_dict


def test_pagination(client_for):
    for _ in range(3):
        _published()
    body = client_for(None).get("/api/v1/solutions/?page=2&page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 1


def test_the_readmes_solution_list_examples_use_real_parameters(client_for):
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"GET /api/v1/solutions/\?([^`\s]+)", readme)
    assert examples
    for query in examples:
        names = {name for name, _ in parse_qsl(query)}
        assert names <= set(SolutionFilter.base_filters), query
        assert client_for(None).get(f"/api/v1/solutions/?{query}").status_code == 200
