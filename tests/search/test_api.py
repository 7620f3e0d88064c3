"""The search API: results with highlights and facets, 400 naming a bad parameter, 503 when down."""

import pytest

from catalogue.models import Solution
from search import indexing
from search.backends import get_backend, reset_backend
from tests.factories import CertificationFactory, SolutionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/solutions/"


@pytest.fixture
def catalogue(db):
    parking = SolutionFactory(status=Solution.Status.PUBLISHED)
    CertificationFactory(solution=parking, type="gs")
    SolutionFactory(
        status=Solution.Status.PUBLISHED,
        name_en="Flood early warning",
        name_ko="침수 경보",
        summary_en="River sensors.",
        summary_ko="하천 센서",
        category="safety",
        tags=[],
    )
    SolutionFactory(status=Solution.Status.DRAFT, name_en="Draft parking thing")
    get_backend().rebuild(indexing.iter_documents())
    return parking


def test_search_returns_hits_highlights_facets_and_total(api_client, catalogue):
    resp = api_client.get(URL, {"q": "주차", "certification": "gs", "valid_on": "2025-06-01"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 1
    hit = body["results"][0]
    assert hit["id"] == catalogue.pk and hit["name"]["en"] == catalogue.name_en
    assert any("<b>" in f for frags in hit["highlights"].values() for f in frags)
    assert body["facets"]["certification"] == {"gs": 1}


def test_a_corrected_typo_is_reported_with_the_words_searched_for(api_client, catalogue):
    body = api_client.get(URL, {"q": "침쑤 river"}).json()
    assert body["corrected_query"] == "침수 river" and body["total"] == 1
    assert api_client.get(URL, {"q": "침수 river"}).json()["corrected_query"] is None


def test_facets_and_highlights_can_be_switched_off(api_client, catalogue):
    """A client that needs only the hits skips the facets' pass and the snippets."""
    asked = {"q": "주차", "certification": "gs", "valid_on": "2025-06-01"}
    full = api_client.get(URL, asked).json()
    lean = api_client.get(URL, {**asked, "facets": "false", "highlight": "false"}).json()
    assert full["facets"] and any(r["highlights"] for r in full["results"])
    assert lean["facets"] == {}
    assert [r["highlights"] for r in lean["results"]] == [{}]
    assert lean["total"] == full["total"] == 1
    assert [r["id"] for r in lean["results"]] == [r["id"] for r in full["results"]]
    only_hits = api_client.get(URL, {**asked, "facets": "0"}).json()
    assert only_hits["facets"] == {} and only_hits["results"][0]["highlights"]


def test_filters_by_category_list(api_client, catalogue):
    body = api_client.get(URL, {"category": "safety,water"}).json()
    assert [r["name"]["en"] for r in body["results"]] == ["Flood early warning"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"category": "spaceships"}, "category"),
        ({"certification": "gold-star"}, "certification"),
        ({"valid_on": "yesterday"}, "valid_on"),
        ({"tier": "village"}, "tier"),
        ({"country": "korea"}, "country"),
        ({"price_max": "-5"}, "price_max"),
        ({"price_max": "cheap"}, "price_max"),
        ({"page": "0"}, "page"),
        ({"sort": "random"}, "sort"),
        ({"facets": "maybe"}, "facets"),
        ({"highlight": "2"}, "highlight"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(api_client, catalogue, params, field):
    resp = api_client.get(URL, params)
    assert resp.status_code == 400
    assert field in resp.json()["errors"]


def test_engine_down_is_a_503_not_a_500(api_client, db, settings, tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory")
    settings.SEARCH_INDEX_DIR = blocker
    reset_backend()
    resp = api_client.get(URL, {"q": "parking"})
    assert resp.status_code == 503
    assert "unavailable" in resp.json()["detail"]
    assert api_client.get("/api/v1/search/suggest/", {"q": "par"}).status_code == 503


def test_suggest_completes_names(api_client, catalogue):
    body = api_client.get("/api/v1/search/suggest/", {"q": "flo"}).json()
    assert body["results"][0]["text"] == "Flood early warning"
    assert (
        api_client.get("/api/v1/search/suggest/", {"q": "침수"}).json()["results"][0]["language"]
        == "ko"
    )
    assert api_client.get("/api/v1/search/suggest/").status_code == 400


def test_decomposed_korean_finds_and_is_found_like_composed(api_client, db):
    """Korean pasted from some systems arrives decomposed (jamo by jamo): it must match."""
    import unicodedata

    def nfd(text):
        return unicodedata.normalize("NFD", text)

    published = Solution.Status.PUBLISHED
    typed = SolutionFactory(status=published, name_ko=nfd("교통신호 제어"), summary_ko="")
    plain = SolutionFactory(status=published, name_ko="침수 경보", summary_ko="하천")
    get_backend().rebuild(indexing.iter_documents())

    def ids(q):
        return [r["id"] for r in api_client.get(URL, {"q": q}).json()["results"]]

    assert nfd("교통신호") != "교통신호"
    assert ids("교통신호") == [typed.pk]  # composed query, decomposed text
    assert ids(nfd("침수")) == [plain.pk]  # decomposed query, composed text
    suggested = api_client.get("/api/v1/search/suggest/", {"q": nfd("침수")}).json()["results"]
    assert [s["text"] for s in suggested] == ["침수 경보"]


def test_parameter_serializers_share_bound_fields_but_not_results():
    from django.http import QueryDict

    from search.api.serializers import SearchParamsSerializer

    bad = SearchParamsSerializer(data=QueryDict("tier=capital&page=0"))
    good = SearchParamsSerializer(data=QueryDict("q=parking&tier=county,city"))
    assert bad.fields is good.fields  # built once per class
    assert good.is_valid() and not bad.is_valid()
    assert set(bad.errors) == {"tier", "page"}
    assert good.to_query().tier == ("county", "city") and good.to_query().text == "parking"
    again = SearchParamsSerializer(data=QueryDict(""))
    assert again.is_valid() and again.to_query().tier == () and again.to_query().page == 1
