"""smartcity-exchange/1: validation, import (idempotent, all-or-nothing), export (round trip)."""

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from catalogue import exchange, vocabularies
from catalogue.exchange import (
    ExchangeError,
    ExchangeInvalid,
    export_document,
    import_document,
    load_document,
    parse_document,
    validate_document,
)
from catalogue.models import Certification, Kpi, Organisation, Pilot, ReviewEvent, Solution

DEV_SET = Path(settings.BASE_DIR).parent / "shared/data/dev-set.json"
OPTIONAL_LISTS = ("tags", "standards", "deployment", "languages", "reference_countries")


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English messages (Korean is the default language)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(scope="session")
def dev_set_document():
    if not DEV_SET.exists():
        pytest.skip(f"the shared dev set is not beside the clone ({DEV_SET})")
    return json.loads(DEV_SET.read_text(encoding="utf-8"))


@pytest.fixture
def dev_set(dev_set_document):
    return copy.deepcopy(dev_set_document)


def small_document():
    return {
        "format": "smartcity-exchange/1",
        "vendors": [
            {"id": "v-a", "name": {"en": "Aurora Signals", "ko": "오로라시그널"}, "country": "KR"},
            {"id": "v-b", "name": {"en": "Bluefin Water"}, "country": "VN", "size": "sme"},
        ],
        "solutions": [
            {
                "id": "s-a1",
                "vendor": "v-a",
                "name": {"en": "Junction timing", "ko": "교차로 신호 최적화"},
                "category": "mobility",
                "price": {"min": 1000, "max": 2500.5, "currency": "USD", "model": "project"},
                "trl": 8,
                "certifications": [
                    {"type": "gs", "number": "GS-1", "valid_from": "2024-01-01"},
                    {"type": "kc", "valid_until": "2027-01-01"},
                ],
                "pilots": [
                    {
                        "city": "Gimhae",
                        "country": "KR",
                        "tier": "city",
                        "population": 530000,
                        "kpis": [
                            {
                                "indicator": "queue length",
                                "iso37122": None,
                                "baseline": 120.0,
                                "result": 80.5,
                                "unit": "m",
                                "better": "lower",
                            }
                        ],
                    }
                ],
            },
            {"id": "s-b1", "vendor": "v-b", "name": {"ko": "누수 감지"}, "category": "water"},
        ],
    }


def normalised(item: dict) -> dict:
    """The only difference the format allows us: an empty optional list may come back absent."""
    return {k: v for k, v in item.items() if not (k in OPTIONAL_LISTS and v == [])}


def typed(value):
    """``value`` with every number tagged by its JSON kind, so 5 and 5.0 compare different."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return (type(value).__name__, value)


def kpi_numbers_as_floats(solution: dict) -> dict:
    """KPIs are stored as floats: 12 and 12.0 are one JSON number, the model keeps no kind."""
    solution = copy.deepcopy(solution)
    for pilot in solution.get("pilots", []):
        for kpi in pilot.get("kpis", []):
            for key in ("baseline", "result"):
                kpi[key] = float(kpi[key])
    return solution


def messages(errors):
    return {str(error) for error in errors}


def paths(errors):
    return [error.path for error in errors]


# --- schema and validation ------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(exchange.SCHEMA)
    assert exchange.SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("definition", "vocabulary"),
    [
        ("category", vocabularies.Category),
        ("certificationType", vocabularies.CertificationType),
        ("tier", vocabularies.Tier),
        ("size", vocabularies.VendorSize),
        ("deployment", vocabularies.Deployment),
        ("pricingModel", vocabularies.PricingModel),
        ("better", vocabularies.Better),
        ("financing", vocabularies.Financing),
        ("leadSource", vocabularies.LeadSource),
    ],
)
def test_schema_vocabularies_are_the_ones_in_vocabularies_py(definition, vocabulary):
    assert exchange.SCHEMA["$defs"][definition]["enum"] == list(vocabulary.values)


def test_country_and_currency_lists_are_complete_enough():
    assert len(exchange.COUNTRY_CODES) == 249
    assert {"KR", "VN", "ID", "AE", "PE", "PL", "US"} <= exchange.COUNTRY_CODES
    assert {"KRW", "USD", "EUR", "VND", "IDR", "AED"} <= exchange.CURRENCY_CODES
    assert "XX" not in exchange.COUNTRY_CODES and "ABC" not in exchange.CURRENCY_CODES


@pytest.mark.django_db
def test_dev_set_is_valid(dev_set):
    assert validate_document(dev_set) == []


@pytest.mark.django_db
def test_exchange_error_prints_path_and_message():
    assert str(ExchangeError("solutions[3].trl", "must be at most 9")) == (
        "solutions[3].trl: must be at most 9"
    )


@pytest.mark.django_db
def test_unknown_keys_are_refused_at_every_level():
    document = small_document()
    document["colour"] = "blue"
    document["vendors"][0]["ceo"] = "Kim"
    document["solutions"][0]["pilots"][0]["kpis"][0]["weight"] = 2
    document["solutions"][0]["name"]["ja"] = "…"
    errors = validate_document(document)
    assert sorted(paths(errors)) == [
        "colour",
        "solutions[0].name.ja",
        "solutions[0].pilots[0].kpis[0].weight",
        "vendors[0].ceo",
    ]
    assert all(error.message.startswith("unknown key") for error in errors)


@pytest.mark.django_db
def test_duplicated_ids_are_refused():
    document = small_document()
    document["vendors"].append({"id": "v-a", "name": {"en": "Again"}})
    document["solutions"][1]["id"] = "s-a1"
    errors = validate_document(document)
    assert messages(errors) == {
        "vendors[2].id: duplicated id 'v-a' (first at vendors[0])",
        "solutions[1].id: duplicated id 's-a1' (first at solutions[0])",
    }


@pytest.mark.django_db
def test_required_keys_vocabularies_countries_and_currencies_are_checked():
    document = small_document()
    del document["solutions"][0]["category"]
    document["solutions"][1]["category"] = "flying"
    document["vendors"][1]["country"] = "XX"
    document["solutions"][0]["price"]["currency"] = "won"
    document["solutions"][0]["deployment"] = ["cloud", "mainframe"]
    document["solutions"][0]["trl"] = 10
    document["vendors"][0]["name"] = {}
    found = messages(validate_document(document))
    assert "solutions[0].category: missing (required)" in found
    assert any(m.startswith("solutions[1].category: not a known category: 'flying'") for m in found)
    assert "vendors[1].country: not a known ISO 3166-1 alpha-2 country code: 'XX'" in found
    assert "solutions[0].price.currency: not a known ISO 4217 currency code: 'won'" in found
    assert any(m.startswith("solutions[0].deployment[1]: not a known deployment") for m in found)
    assert "solutions[0].trl: must be at most 9, not 10" in found
    assert "vendors[0].name: needs at least one language: en or ko" in found
    assert len(found) == 7


@pytest.mark.django_db
def test_dates_ranges_and_prices_are_checked_beyond_the_schema():
    document = small_document()
    solution = document["solutions"][0]
    solution["certifications"][0]["valid_until"] = "2023-02-30"
    solution["certifications"][1]["valid_from"] = "2028-01-01"
    solution["certifications"][1]["valid_until"] = "2027-01-01"
    solution["pilots"][0]["start"] = "2024/01/01"
    solution["price"] = {"min": 900, "max": 100.255, "currency": "KRW"}
    assert messages(validate_document(document)) == {
        "solutions[0].certifications[0].valid_until: not a date: '2023-02-30' (no such day)",
        "solutions[0].certifications[1].valid_until: 2027-01-01 is before valid_from (2028-01-01)",
        "solutions[0].pilots[0].start: not a date (YYYY-MM-DD): '2024/01/01'",
        "solutions[0].price.max: more than 2 decimal places: 100.255",
        "solutions[0].price.max: 100.255 is less than min (900)",
    }


@pytest.mark.django_db
def test_a_solution_must_name_a_vendor_in_the_file_or_the_database():
    document = small_document()
    document["solutions"][1]["vendor"] = "v-nowhere"
    assert messages(validate_document(document)) == {
        "solutions[1].vendor: unknown vendor 'v-nowhere': not in this file's vendors nor in "
        "the catalogue"
    }
    Organisation.objects.create(kind="vendor", exchange_id="v-nowhere", name_en="Known")
    assert validate_document(document) == []


@pytest.mark.django_db
def test_a_vendor_id_taken_by_a_municipality_is_refused():
    Organisation.objects.create(kind="municipality", exchange_id="v-a", name_en="Town")
    errors = validate_document(small_document())
    assert paths(errors) == ["vendors[0].id"]
    assert "not a vendor" in errors[0].message


@pytest.mark.django_db
def test_database_limits_are_reported_before_storing():
    document = small_document()
    document["solutions"][0]["name"]["en"] = "x" * 201
    document["solutions"][0]["pilots"][0]["population"] = 3_000_000_000
    del document["solutions"][0]["pilots"][0]["kpis"][0]["baseline"]
    found = messages(validate_document(document))
    assert found == {
        "solutions[0].name.en: too long to store: 201 characters, at most 200",
        "solutions[0].pilots[0].population: too large to store: 3000000000",
        "solutions[0].pilots[0].kpis[0].baseline: missing: this catalogue stores a KPI only "
        "with both baseline and result",
    }


@pytest.mark.django_db
def test_numbers_json_reads_as_infinity_are_listed_by_path_at_every_numeric_field():
    document = small_document()
    solution = document["solutions"][0]
    pilot = solution["pilots"][0]
    solution["price"]["min"], solution["price"]["max"], solution["trl"] = 1.25, 2.25, 3.25
    pilot["population"], pilot["kpis"][0]["baseline"], pilot["kpis"][0]["result"] = 4.25, 5.25, 6.25
    text = json.dumps(document)
    for marker in ("1.25", "2.25", "3.25", "4.25", "5.25", "6.25"):
        text = text.replace(marker, "1e400")
    errors = validate_document(parse_document(text))
    assert set(paths(errors)) == {
        "solutions[0].price.min",
        "solutions[0].price.max",
        "solutions[0].trl",
        "solutions[0].pilots[0].population",
        "solutions[0].pilots[0].kpis[0].baseline",
        "solutions[0].pilots[0].kpis[0].result",
    }
    assert "solutions[0].price.min: too large to store: inf" in messages(errors)
    solution = parse_document(text.replace('"min": 1e400', '"min": -1e400'))["solutions"][0]
    errors = validate_document({**document, "solutions": [solution]})
    assert "solutions[0].price.min: must be at least 0, not -inf" in messages(errors)


@pytest.mark.django_db
def test_whitespace_only_bilingual_text_is_refused_as_empty():
    document = small_document()
    document["vendors"][0]["name"] = {"en": " "}
    solution = document["solutions"][0]
    solution["name"] = {"en": "Junction timing", "ko": "\u3000\t"}
    solution["summary"] = {"en": "\n"}
    solution["pilots"][0]["summary"] = {"ko": "  "}
    assert messages(validate_document(document)) == {
        "vendors[0].name.en: must not be empty",
        "solutions[0].name.ko: must not be empty",
        "solutions[0].summary.en: must not be empty",
        "solutions[0].pilots[0].summary.ko: must not be empty",
    }
    with pytest.raises(ExchangeInvalid):
        import_document(document)
    assert not Organisation.objects.exists() and not Solution.objects.exists()


@pytest.mark.django_db
def test_kpi_values_beyond_the_limit_are_refused():
    document = small_document()
    kpi = document["solutions"][0]["pilots"][0]["kpis"][0]
    kpi["baseline"], kpi["result"] = 1e308, -1e308
    assert messages(validate_document(document)) == {
        "solutions[0].pilots[0].kpis[0].baseline: must be at most 1e+12, not 1e+308",
        "solutions[0].pilots[0].kpis[0].result: must be at least -1e+12, not -1e+308",
    }
    kpi["baseline"], kpi["result"] = 10**13, 1e12
    assert paths(validate_document(document)) == ["solutions[0].pilots[0].kpis[0].baseline"]


@pytest.mark.django_db
def test_every_section_the_spec_allows_is_validated(dev_set):
    dev_set["queries"][0]["filters"] = {"category": "nowhere"}
    dev_set["judgements"][0]["grade"] = 7
    dev_set["judgements"][1]["for"] = "q-missing"
    dev_set["judgements"][2]["solution"] = "s-missing"
    dev_set["leads"][0]["financing"] = "gift"
    found = messages(validate_document(dev_set))
    assert any(m.startswith("queries[0].filters.category: not a known category") for m in found)
    assert "judgements[0].grade: must be at most 3, not 7" in found
    assert "judgements[1].for: unknown need, lead or query 'q-missing'" in found
    assert "judgements[2].solution: unknown solution 's-missing'" in found
    assert any(m.startswith("leads[0].financing: not a known financing") for m in found)


def test_ten_thousand_errors_are_all_counted_and_the_listing_capped(db):
    document = {
        "format": "smartcity-exchange/1",
        "vendors": [{"id": "v-1", "name": {"en": "One"}}],
        "solutions": [
            {"id": f"s-{i}", "vendor": "v-1", "name": {"en": f"S {i}"}, "category": "space"}
            for i in range(10_000)
        ],
    }
    errors = validate_document(document)
    assert len(errors) == 10_000
    lines = ExchangeInvalid(errors).lines()
    assert len(lines) == 1001
    assert lines[0].startswith("solutions[0].category: not a known category: 'space'")
    assert lines[-1] == "… and 9000 more"


# --- reading files --------------------------------------------------------------------------


def test_truncated_json_is_reported_with_its_position(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(small_document(), indent=1)[:300], encoding="utf-8")
    with pytest.raises(ExchangeInvalid) as caught:
        load_document(path)
    (error,) = caught.value.errors
    assert error.path == "$"
    assert "truncated" in error.message and "line " in error.message


def test_cp949_bytes_are_refused_with_a_hint_and_position():
    raw = '{"format": "smartcity-exchange/1",\n "vendors": [{"id": "v-1", "name": {"ko": "한빛"}}]}'
    with pytest.raises(ExchangeInvalid) as caught:
        load_document(io.BytesIO(raw.encode("cp949")))
    message = caught.value.errors[0].message
    assert message.startswith("not UTF-8: byte 0x")
    assert "line 2, column 44" in message and "CP949" in message


def test_utf8_with_bom_is_accepted():
    raw = "\ufeff" + json.dumps({"format": "smartcity-exchange/1", "vendors": []})
    assert load_document(io.BytesIO(raw.encode("utf-8"))) == {
        "format": "smartcity-exchange/1",
        "vendors": [],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("[1, 2]", "the document must be a JSON object, not a list"),
        ('{"a": NaN}', "not valid JSON: NaN is not a JSON number"),
        ('{"a": 1,, "b": 2}', "not valid JSON: Expecting property name enclosed in double quotes"),
        ('{"format": "x", "format": "y"}', "key 'format' appears twice in one object"),
    ],
)
def test_malformed_documents_are_explained(text, expected):
    with pytest.raises(ExchangeInvalid) as caught:
        parse_document(text.encode("utf-8"))
    assert caught.value.errors[0].message.startswith(expected)


def test_a_missing_file_is_an_exchange_error(tmp_path):
    with pytest.raises(ExchangeInvalid) as caught:
        load_document(tmp_path / "nope.json")
    assert "cannot read" in caught.value.errors[0].message


# --- import ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dev_set_imported_twice_exports_the_same_vendors_and_solutions(dev_set):
    first = import_document(dev_set)
    second = import_document(dev_set)
    assert first.created["solutions"] == len(dev_set["solutions"])
    assert second.unchanged["solutions"] == len(dev_set["solutions"])
    assert second.created["vendors"] == second.updated["vendors"] == 0
    assert Solution.objects.count() == len(dev_set["solutions"])
    assert Organisation.objects.filter(kind="vendor").count() == len(dev_set["vendors"])

    exported = export_document()

    assert typed(exported["vendors"]) == typed(dev_set["vendors"])
    assert [s["id"] for s in exported["solutions"]] == [s["id"] for s in dev_set["solutions"]]
    for given, back in zip(dev_set["solutions"], exported["solutions"], strict=True):
        expected = normalised(kpi_numbers_as_floats(given))
        assert typed(normalised(back)) == typed(expected), given["id"]
        assert list(normalised(back)) == list(expected), "key order"


@pytest.mark.django_db
def test_what_was_made_here_is_found_again_when_its_export_is_imported():
    """Ids are the upsert keys: an export of objects made here (not imported), imported again,
    must update them, not copy them, and export the same file again."""
    from matching.models import Lead, Need
    from tests.factories import OrganisationFactory, SolutionFactory, parking_need

    solution = SolutionFactory(status=Solution.Status.PUBLISHED)
    municipality = OrganisationFactory(kind="municipality", tier="county", population=30000)
    need = parking_need(municipality)
    need.buyer_name, need.buyer_tier, need.buyer_population = municipality.name, "county", 30000
    need.save()  # as need_create copies them from the organisation
    Lead.objects.create(title_en="Parking in Hue", country="VN", category="mobility")
    Lead.objects.create(title_en="Flood sensors in Cebu", country="PH", category="water")
    counts = [m.objects.count() for m in (Organisation, Solution, Need, Lead)]

    exported = export_document()
    assert exported["solutions"][0]["id"] == solution.exchange_id != f"s-{solution.pk}"
    report = import_document(json.loads(json.dumps(exported)))

    assert [m.objects.count() for m in (Organisation, Solution, Need, Lead)] == counts
    assert report.created == {k: 0 for k in report.created}
    assert report.unchanged == {"vendors": 1, "solutions": 1, "needs": 1, "leads": 2}
    assert export_document() == exported


@pytest.mark.django_db
def test_import_publishes_and_verifies_what_it_brings(dev_set):
    import_document(dev_set)
    assert set(Solution.objects.values_list("status", flat=True)) == {"published"}
    assert set(Certification.objects.values_list("verification", flat=True)) == {"verified"}
    assert set(Pilot.objects.values_list("verification", flat=True)) == {"verified"}
    assert set(Organisation.objects.values_list("status", flat=True)) == {"approved"}
    assert ReviewEvent.objects.filter(action="publish").count() == len(dev_set["solutions"])


@pytest.mark.django_db
def test_draft_import_keeps_solutions_as_drafts_for_review():
    report = import_document(small_document(), publish=False)
    assert report.created == {"vendors": 2, "solutions": 2}
    assert set(Solution.objects.values_list("status", flat=True)) == {"draft"}
    assert set(Certification.objects.values_list("verification", flat=True)) == {"pending"}
    assert set(Pilot.objects.values_list("verification", flat=True)) == {"pending"}
    assert set(Organisation.objects.values_list("status", flat=True)) == {"pending"}
    assert export_document()["solutions"] == []
    assert len(export_document(include_unpublished=True)["solutions"]) == 2
    again = import_document(small_document(), publish=False)
    assert again.unchanged == {"vendors": 2, "solutions": 2}


@pytest.mark.django_db
def test_reimport_replaces_evidence_and_bumps_version():
    import_document(small_document())
    document = small_document()
    document["solutions"][0]["certifications"] = [{"type": "cc", "number": "CC-9"}]
    document["solutions"][0]["pilots"][0]["kpis"].append(
        {"indicator": "delay", "baseline": 10, "result": 5, "better": "lower"}
    )
    report = import_document(document)
    assert report.updated["solutions"] == 1 and report.unchanged["solutions"] == 1
    solution = Solution.objects.get(exchange_id="s-a1")
    assert solution.version == 2
    assert list(solution.certifications.values_list("type", "number")) == [("cc", "CC-9")]
    assert list(Kpi.objects.filter(pilot__solution=solution).values_list("indicator", flat=True))
    assert Pilot.objects.filter(solution=solution).count() == 1
    assert [k.indicator for k in Kpi.objects.filter(pilot__solution=solution)] == [
        "queue length",
        "delay",
    ]


@pytest.mark.django_db
def test_prices_keep_integers_as_integers_and_decimals_as_decimals():
    import_document(small_document())
    solution = Solution.objects.get(exchange_id="s-a1")
    assert solution.price_min == Decimal("1000") and solution.price_max == Decimal("2500.5")
    price = export_document()["solutions"][0]["price"]
    assert typed(price) == typed(
        {"min": 1000, "max": 2500.5, "currency": "USD", "model": "project"}
    )


@pytest.mark.django_db
def test_small_document_round_trips_with_absent_fields_staying_absent():
    document = small_document()
    import_document(document)
    exported = export_document()
    assert exported["vendors"] == document["vendors"]
    expected_b1 = {**document["solutions"][1], "certifications": [], "pilots": []}
    assert exported["solutions"] == [document["solutions"][0], expected_b1]


@pytest.mark.django_db
def test_a_broken_copy_is_refused_with_every_error_and_changes_nothing(dev_set):
    import_document(dev_set)
    before = export_document(include_unpublished=True)
    counts = (Solution.objects.count(), Certification.objects.count(), Kpi.objects.count())
    broken = copy.deepcopy(dev_set)
    broken["solutions"][0]["name"]["en"] = "This change must not be stored"
    broken["solutions"][3]["certifications"] = [{"type": "gs", "valid_until": "2026-13-01"}]
    broken["solutions"][5]["vendor"] = "v-unknown"
    broken["solutions"][8]["pilots"] = [{"city": "Mokpo", "country": "KR", "tier": "town"}]
    broken["solutions"][12]["surprise"] = True
    broken["solutions"][20]["id"] = broken["solutions"][19]["id"]
    broken["vendors"][2]["country"] = "ZZ"
    broken["solutions"].append({"id": "s-new", "vendor": "v-01", "name": {"en": "New"}})

    with pytest.raises(ExchangeInvalid) as caught:
        import_document(broken)

    assert paths(caught.value.errors) == [
        "vendors[2].country",
        "solutions[3].certifications[0].valid_until",
        "solutions[5].vendor",
        "solutions[8].pilots[0].tier",
        "solutions[12].surprise",
        "solutions[20].id",
        f"solutions[{len(broken['solutions']) - 1}].category",
    ]
    assert (
        "solutions[3].certifications[0].valid_until: not a date (YYYY-MM-DD): '2026-13-01'"
        not in (messages(caught.value.errors))
    )
    assert (
        "solutions[3].certifications[0].valid_until: not a date: '2026-13-01' (no such day)"
        in messages(caught.value.errors)
    )
    assert export_document(include_unpublished=True) == before
    assert (Solution.objects.count(), Certification.objects.count(), Kpi.objects.count()) == (
        counts
    )


@pytest.mark.django_db
def test_progress_is_reported_up_to_the_total(dev_set):
    calls = []
    import_document(dev_set, progress=lambda done, total: calls.append((done, total)))
    total = calls[-1][1]
    stored = [n for n in exchange.PLUGGABLE_SECTIONS if n in exchange._handlers and n in dev_set]
    assert total == (
        len(dev_set["vendors"]) + len(dev_set["solutions"]) + sum(len(dev_set[n]) for n in stored)
    )
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) > len(dev_set["solutions"])


@pytest.mark.django_db
def test_sections_without_a_handler_are_validated_and_reported_not_stored(dev_set):
    report = import_document(dev_set)
    assert report.not_stored["queries"] == len(dev_set["queries"])
    assert report.not_stored["judgements"] == len(dev_set["judgements"])
    assert "queries: 20 validated, not stored" in report.lines()


@pytest.mark.django_db
def test_a_registered_section_is_validated_imported_and_exported():
    stored: list[dict] = []

    def validate(items, document):
        for i, item in enumerate(items):
            if item["text"] == "":
                yield ExchangeError(exchange.format_path("queries", i, "text"), "empty query")

    def import_items(items, *, publish, actor):
        stored.extend(items)
        return len(items), 0

    exchange.register_section(
        "queries", validate=validate, import_items=import_items, export_items=lambda: stored
    )
    try:
        document = {**small_document(), "queries": [{"id": "q-1", "text": ""}]}
        with pytest.raises(ExchangeInvalid) as caught:
            import_document(document)
        assert messages(caught.value.errors) == {"queries[0].text: empty query"}
        assert stored == [] and Solution.objects.count() == 0

        document["queries"][0]["text"] = "스마트 횡단보도"
        report = import_document(document)
        assert report.created["queries"] == 1 and "queries" not in report.not_stored
        assert export_document()["queries"] == [{"id": "q-1", "text": "스마트 횡단보도"}]
    finally:
        exchange.unregister_section("queries")


def test_only_the_pluggable_sections_can_be_registered():
    with pytest.raises(ValueError):
        exchange.register_section("solutions", validate=list, import_items=list, export_items=list)


@pytest.mark.django_db
def test_changed_solutions_are_reindexed_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        import_document(small_document())
    assert len(callbacks) >= 1
    with django_capture_on_commit_callbacks() as callbacks:
        import_document(small_document())
    assert callbacks == []


@pytest.mark.django_db
def test_export_of_given_solutions_names_only_their_vendors():
    import_document(small_document())
    document = export_document(solutions=Solution.objects.filter(exchange_id="s-b1"))
    assert [v["id"] for v in document["vendors"]] == ["v-b"]
    assert [s["id"] for s in document["solutions"]] == ["s-b1"]


@pytest.mark.django_db
def test_objects_made_before_the_upgrade_keep_the_ids_their_exports_used():
    from django.apps import apps

    from catalogue.migrations._exchange_ids import backfill
    from tests.factories import SolutionFactory

    older, clashing = SolutionFactory(), SolutionFactory()
    Solution.objects.filter(pk__in=[older.pk, clashing.pk]).update(exchange_id=None)
    SolutionFactory(exchange_id=f"s-{clashing.pk}")  # an imported solution holds that id

    backfill("catalogue.Solution", "s")(apps, None)

    older.refresh_from_db(), clashing.refresh_from_db()
    assert older.exchange_id == f"s-{older.pk}"
    assert clashing.exchange_id.startswith("s-") and clashing.exchange_id != f"s-{clashing.pk}"
