"""The needs and leads sections of smartcity-exchange/1, through the catalogue's importer."""

import copy

import pytest

from catalogue.exchange import ExchangeInvalid, import_document
from matching.models import Lead, Need

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "format": "smartcity-exchange/1",
    "needs": [
        {
            "id": "n-1",
            "buyer": {"name": {"en": "Gangjin County", "ko": "강진군"}, "tier": "county"},
            "title": {"en": "Flood sensors"},
            "category": "safety",
            "budget": {"max": 150000000, "currency": "KRW"},
            "deadline": "2027-03-31",
        }
    ],
    "leads": [
        {
            "id": "l-1",
            "country": "VN",
            "buyer": "Da Nang Department of Transport",
            "title": {"en": "Bus tracking"},
            "budget": {"max": 2500000, "currency": "USD"},
            "deadline": "2027-06-30",
        }
    ],
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _paths(document) -> dict[str, str]:
    with pytest.raises(ExchangeInvalid) as refused:
        import_document(document)
    return {error.path: error.message for error in refused.value.errors}


@pytest.mark.parametrize(
    ("section", "amount"), [("needs", 1e25), ("leads", 1e30), ("leads", 0.001), ("needs", -5)]
)
def test_budgets_the_column_cannot_hold_are_refused_by_path_and_nothing_is_stored(section, amount):
    document = copy.deepcopy(DOCUMENT)
    document[section][0]["budget"]["max"] = amount
    assert f"{section}[0].budget.max" in _paths(document)
    assert not Need.objects.exists() and not Lead.objects.exists()


def test_lengths_the_columns_cannot_hold_are_refused_by_path():
    document = copy.deepcopy(DOCUMENT)
    document["leads"][0]["id"] = "l" * 100
    document["leads"][0]["title"] = {"en": "t" * 600}
    document["needs"][0]["buyer"]["name"] = {"ko": "군" * 201}
    found = _paths(document)
    assert "too long to store" in found["leads[0].id"]
    assert "at most 500" in found["leads[0].title.en"]
    assert "needs[0].buyer.name.ko" in found


def test_a_bilingual_buyer_name_is_stored_as_text_in_the_buyers_language():
    import_document(DOCUMENT)
    assert Need.objects.get(exchange_id="n-1").buyer_name == "강진군"  # a KR buyer: Korean
    document = copy.deepcopy(DOCUMENT)
    document["needs"][0]["buyer"]["country"] = "VN"
    import_document(document)
    assert Need.objects.get(exchange_id="n-1").buyer_name == "Gangjin County"


def test_importing_the_same_needs_and_leads_again_writes_nothing():
    first = import_document(DOCUMENT)
    assert (first.created, first.updated) == ({"needs": 1, "leads": 1}, {"needs": 0, "leads": 0})
    stamps = {
        "need": Need.objects.get().updated_at,
        "lead": Lead.objects.get().updated_at,
    }
    again = import_document(copy.deepcopy(DOCUMENT))
    assert again.created == {"needs": 0, "leads": 0}
    assert again.updated == {"needs": 0, "leads": 0}
    assert Need.objects.get().updated_at == stamps["need"]
    assert Lead.objects.get().updated_at == stamps["lead"]
    changed = copy.deepcopy(DOCUMENT)
    changed["leads"][0]["city"] = "Da Nang"
    assert import_document(changed).updated == {"needs": 0, "leads": 1}
