"""Public pages through Django's test client: home, search, solution, compare, dashboard, i18n."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from catalogue.images import solution_image_create
from catalogue.models import Solution
from catalogue.views_public import COMPARE_MAX, bar_chart, certification_state, kpi_chart
from search import indexing
from search.backends import get_backend, reset_backend
from search.views import safe_highlight
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
PUBLISHED = Solution.Status.PUBLISHED


@pytest.fixture(autouse=True)
def _index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    yield
    reset_backend()


def reindex():
    get_backend().rebuild(indexing.iter_documents())


def english():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def lang_of(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


# --- home -----------------------------------------------------------------------------------


def test_home_shows_live_figures_and_search_box():
    first = SolutionFactory(status=PUBLISHED, category="mobility", reference_countries=["KR"])
    PilotFactory(solution=first, country="VN", verification="verified")
    PilotFactory(solution=first, country="KR", verification="pending")
    SolutionFactory(status=PUBLISHED, category="water", reference_countries=["PE"])
    SolutionFactory(status=Solution.Status.DRAFT, category="energy", reference_countries=["PL"])
    resp = english().get("/")
    assert resp.status_code == 200
    assert resp.context["figures"] == {
        "solutions": 2,
        "verified_pilots": 1,
        "categories": 2,
        "countries": 3,
    }
    html = resp.content.decode()
    assert 'role="search"' in html and 'action="/search/"' in html
    assert "Municipal buyers" in html and "Export agencies" in html and "Vendors" in html


# --- search ---------------------------------------------------------------------------------


def test_search_escapes_user_text_and_keeps_only_engine_highlights():
    SolutionFactory(
        status=PUBLISHED,
        name_ko="주차 <i>안내</i>",
        summary_ko='<script>alert("x")</script> 주차 공간 안내',
    )
    reindex()
    resp = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/search/", {"q": "주차"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<i>안내</i>" not in html and "&lt;i&gt;" in html
    assert "<b>주차</b>" in html
    typed = english().get("/search/", {"q": "<script>alert(2)</script>"}).content.decode()
    assert "<script>alert(2)" not in typed and "&lt;script&gt;alert(2)" in typed


def test_search_says_which_words_it_searched_for_when_it_corrected_a_typo():
    SolutionFactory(status=PUBLISHED, name_ko="주차 안내 플랫폼", name_en="Parking platform")
    reindex()
    html = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/search/", {"q": "플렛폼"}).content.decode()
    assert "<strong>플랫폼</strong>(으)로 고쳐 찾은 결과입니다" in html
    assert "“플렛폼”" in html and "<b>플랫폼</b>" in html  # the corrected word is highlighted
    html = english().get("/search/", {"q": "<b>parkng</b>"}).content.decode()
    assert "Showing results for <strong>&lt;b&gt;parking&lt;/b&gt;</strong>" in html
    assert "(corrected from “&lt;b&gt;parkng&lt;/b&gt;”)" in html
    assert "Showing results" not in english().get("/search/", {"q": "parking"}).content.decode()


@pytest.mark.parametrize(
    "fragment, expected",
    [
        ("<b>bus</b> &lt;script&gt;x", "<b>bus</b> &lt;script&gt;x"),  # engine-escaped
        ("<b>bus</b> <script>x</script>", "<b>bus</b> &lt;script&gt;x&lt;/script&gt;"),  # raw
        ("<B>bus</B> <b onclick=x>", "<b>bus</b> &lt;b onclick=x&gt;"),
        ("<b>open", "<b>open</b>"),
        ("</b>stray <b>ok</b>", "stray <b>ok</b>"),
    ],
)
def test_safe_highlight_lets_only_b_tags_through(fragment, expected):
    assert str(safe_highlight(fragment)) == expected


def test_search_filters_live_in_the_query_string_with_facet_counts():
    SolutionFactory(status=PUBLISHED, category="mobility", name_en="Bus lane camera")
    SolutionFactory(status=PUBLISHED, category="safety", name_en="Bus stop safety light")
    reindex()
    resp = english().get("/search/", {"q": "bus", "category": "safety"})
    assert resp.status_code == 200
    assert resp.context["total"] == 1
    category = next(f for f in resp.context["facets"] if f["name"] == "category")
    checked = [v["value"] for v in category["values"] if v["checked"]]
    assert checked == ["safety"]
    assert all(v["count"] >= 1 for v in category["values"])
    html = resp.content.decode()
    assert 'name="category" value="safety"' in html and "checked" in html
    assert [r["solution"].name_en for r in resp.context["rows"]] == ["Bus stop safety light"]
    assert "Bus lane camera" not in html


def test_search_page_keeps_facets_and_highlights_when_the_address_turns_them_off():
    """The API's switches are for clients that want only hits; the page always shows both."""
    SolutionFactory(status=PUBLISHED, category="mobility", name_en="Bus lane camera")
    reindex()
    resp = english().get("/search/", {"q": "bus", "facets": "false", "highlight": "false"})
    assert resp.status_code == 200
    assert any(f["name"] == "category" for f in resp.context["facets"])
    assert "<b>Bus</b>" in str(resp.context["rows"][0]["name"])


def test_empty_result_offers_links_that_drop_each_filter():
    SolutionFactory(status=PUBLISHED, category="mobility", name_en="Bus lane camera")
    reindex()
    resp = english().get("/search/", {"q": "bus", "category": "water", "tier": "county"})
    assert resp.context["total"] == 0
    loosen = re.findall(r'<ul class="loosen">(.*?)</ul>', resp.content.decode(), re.S)[0]
    links = [html_unescape(h) for h in re.findall(r'href="([^"]+)"', loosen)]
    assert "?q=bus&tier=county" in links  # without the category
    assert "?q=bus&category=water" in links  # without the tier
    assert english().get("/search/" + "?q=bus&tier=county").context["total"] == 0
    assert english().get("/search/?q=bus").context["total"] == 1


def html_unescape(value: str) -> str:
    return value.replace("&amp;", "&")


def test_search_paginates_with_shareable_links():
    for n in range(13):
        SolutionFactory(status=PUBLISHED, name_en=f"Flood sensor {n}", category="water")
    reindex()
    first = english().get("/search/", {"q": "flood", "sort": "newest"})
    assert first.context["total"] == 13 and len(first.context["rows"]) == 10
    assert first.context["next_url"] == "?q=flood&sort=newest&page=2"
    second = english().get("/search/" + first.context["next_url"])
    assert len(second.context["rows"]) == 3
    ids = {r["solution"].pk for r in first.context["rows"]} | {
        r["solution"].pk for r in second.context["rows"]
    }
    assert len(ids) == 13


def test_search_page_past_the_end_links_back_to_the_first_page():
    SolutionFactory(status=PUBLISHED, name_en="Flood sensor")
    reindex()
    resp = english().get("/search/", {"q": "flood", "page": "7"})
    assert resp.status_code == 200 and resp.context["rows"] == []
    assert 'href="?q=flood"' in resp.content.decode()


def test_search_bad_filter_is_a_400_naming_it():
    resp = english().get("/search/", {"category": "spaceships", "page": "0"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "<strong>Category</strong>" in html and "<strong>page</strong>" in html


def test_search_bad_filter_is_explained_in_the_page_language():
    resp = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/search/", {"category": "nope"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "<strong>분야</strong>" in html
    assert "“nope”은(는) 올바르지 않습니다. 다음 중 하나여야 합니다: mobility" in html
    assert "is not valid" not in html


def test_search_engine_down_is_a_friendly_503(settings, tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory")
    settings.SEARCH_INDEX_DIR = blocker
    reset_backend()
    resp = english().get("/search/", {"q": "parking"})
    assert resp.status_code == 503
    assert "try again" in resp.content.decode()
    assert 'value="parking"' in resp.content.decode()  # the query is kept


# --- solution page --------------------------------------------------------------------------


def test_certification_state_is_computed_against_today():
    today = dt.date(2026, 6, 1)
    cert = CertificationFactory.build(valid_from=dt.date(2024, 1, 1))
    for until, state in [
        (dt.date(2026, 5, 31), "expired"),
        (dt.date(2026, 6, 1), "expiring"),
        (dt.date(2026, 8, 30), "expiring"),
        (dt.date(2026, 8, 31), "valid"),
        (None, "valid"),
    ]:
        cert.valid_until = until
        assert certification_state(cert, today) == state, until
    cert.valid_from, cert.valid_until = dt.date(2026, 7, 1), None
    assert certification_state(cert, today) == "not-yet"


def test_solution_page_shows_badges_kpi_charts_and_both_languages():
    solution = SolutionFactory(
        status=PUBLISHED,
        name_en="Parking guide",
        name_ko="주차 안내",
        description_en="English words.",
        description_ko="한국어 설명.",
        reference_countries=["KR", "VN"],
    )
    today = timezone.localdate()
    CertificationFactory(solution=solution, type="gs", valid_until=today + dt.timedelta(days=400))
    CertificationFactory(solution=solution, type="kc", valid_until=today + dt.timedelta(days=30))
    CertificationFactory(solution=solution, type="ce", valid_until=today - dt.timedelta(days=1))
    kpi = KpiFactory(pilot=PilotFactory(solution=solution), baseline=12, result=9, unit="min")
    resp = english().get(f"/solutions/{solution.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert re.findall(r'data-state="([a-z-]+)"', html) == ["valid", "expiring", "expired"]
    assert f'id="kpi-{kpi.pk}-title"' in html and f'id="kpi-{kpi.pk}-desc"' in html
    assert "12 min" in html and "9 min" in html and "25.0% better" in html
    assert html.index("English words.") < html.index("한국어 설명.")  # active language first
    assert 'lang="ko"' in html and "Vietnam" in html and solution.vendor.name_en in html
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get(f"/solutions/{solution.pk}/").content.decode()
    assert korean.index("한국어 설명.") < korean.index("English words.")


def test_kpi_chart_scales_bars_and_says_which_way_is_better():
    chart = kpi_chart(KpiFactory.build(pk=3, baseline=40, result=10, better="higher"))
    assert chart.baseline_width == 300 and chart.result_width == 75
    assert not chart.good and "75.0" in chart.improvement_text


def test_pages_with_a_kpi_whose_improvement_overflows_still_render():
    solution = SolutionFactory(status=PUBLISHED)
    pilot = PilotFactory(solution=solution, verification="verified")
    kpi = KpiFactory(pilot=pilot, baseline=1e308, result=-1e308, better="lower")
    assert english().get(f"/solutions/{solution.pk}/").status_code == 200
    assert english().get(f"/compare/?ids={solution.pk}").status_code == 200
    assert english().get("/dashboard/").status_code == 200
    chart = kpi_chart(kpi)
    assert chart.improvement is None and chart.result_width == 300


def test_solution_page_shows_image_thumbnails(vendor_user):
    solution = SolutionFactory(status=PUBLISHED, vendor=vendor_user.organisation)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 200)).save(buffer, "PNG")
    upload = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    image = solution_image_create(
        user=vendor_user, solution=solution, upload=upload, alt_en="A sensor on a pole"
    )
    html = english().get(f"/solutions/{solution.pk}/").content.decode()
    assert f'src="{image.thumbnail.url}"' in html and f'href="{image.image.url}"' in html
    assert 'alt="A sensor on a pole"' in html


def test_drafts_are_not_shown_to_other_organisations(vendor_user, other_vendor_user):
    draft = SolutionFactory(vendor=vendor_user.organisation, name_en="Secret draft")
    assert english().get(f"/solutions/{draft.pk}/").status_code == 404
    other = english()
    other.force_login(other_vendor_user)
    assert other.get(f"/solutions/{draft.pk}/").status_code == 404
    assert "Secret draft" not in other.get(f"/compare/?ids={draft.pk}").content.decode()
    owner = english()
    owner.force_login(vendor_user)
    assert "Secret draft" in owner.get(f"/solutions/{draft.pk}/").content.decode()


# --- compare --------------------------------------------------------------------------------


def test_compare_tray_keeps_at_most_four_in_order():
    solutions = [SolutionFactory(status=PUBLISHED) for _ in range(COMPARE_MAX + 1)]
    client = english()
    for s in solutions:
        assert client.post("/compare/add/", {"solution": s.pk}).status_code == 302
    resp = client.get("/compare/")
    assert [c["solution"].pk for c in resp.context["columns"]] == [
        s.pk for s in solutions[:COMPARE_MAX]
    ]
    assert resp.context["share_ids"] == ",".join(str(s.pk) for s in solutions[:COMPARE_MAX])
    client.post("/compare/remove/", {"solution": solutions[0].pk})
    assert len(client.get("/compare/").context["columns"]) == COMPARE_MAX - 1


def test_compare_by_ids_is_shareable_and_checks_its_input():
    a, b = SolutionFactory(status=PUBLISHED), SolutionFactory(status=PUBLISHED)
    resp = english().get(f"/compare/?ids={b.pk},{a.pk}")
    assert [c["solution"].pk for c in resp.context["columns"]] == [b.pk, a.pk]
    assert english().get("/compare/?ids=1,x").status_code == 400
    assert english().get("/compare/?ids=1,2,3,4,5").status_code == 400
    assert english().post("/compare/add/", {"solution": "abc"}).status_code == 400


def test_compare_add_rejects_a_post_without_csrf_token():
    solution = SolutionFactory(status=PUBLISHED)
    client = Client(enforce_csrf_checks=True)
    assert client.post("/compare/add/", {"solution": solution.pk}).status_code == 403


def test_compare_add_does_not_redirect_off_site():
    solution = SolutionFactory(status=PUBLISHED)
    resp = english().post(
        "/compare/add/", {"solution": solution.pk, "next": "https://evil.example/"}
    )
    assert resp["Location"] == "/compare/"


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_draws_bar_charts_from_live_counts():
    for _ in range(3):
        SolutionFactory(status=PUBLISHED, category="water")
    one = SolutionFactory(status=PUBLISHED, category="energy")
    SolutionFactory(status=Solution.Status.DRAFT, category="energy")
    KpiFactory(pilot=PilotFactory(solution=one, verification="verified", tier="city"))
    resp = english().get("/dashboard/")
    assert resp.status_code == 200
    charts = {c.id: c for c in resp.context["charts"]}
    assert [(b.label, b.value) for b in charts["chart-solutions"].bars] == [
        ("Energy", 1),
        ("Water", 3),
    ]
    assert [(b.label, b.value) for b in charts["chart-tiers"].bars] == [("City", 1)]
    energy = charts["chart-kpis"].bars[0]
    assert energy.label == "Energy" and energy.value == pytest.approx(41.7, abs=0.1)
    html = resp.content.decode()
    assert html.count('class="bar-chart"') >= 3 and "<title" in html


def test_dashboard_counts_matches_and_registrations_by_status(municipality_user):
    from matching.models import Match, Need, Registration

    solution = SolutionFactory(status=PUBLISHED)
    other = SolutionFactory(status=PUBLISHED)
    need = Need.objects.create(
        organisation=municipality_user.organisation, category="mobility", title_en="Buses"
    )
    shortlisted = Match.objects.create(
        need=need, solution=solution, rank=1, score=0.8, status="shortlisted"
    )
    Match.objects.create(need=need, solution=other, rank=2, score=0.4, status="declined")
    Registration.objects.create(
        match=shortlisted,
        solution=solution,
        organisation=municipality_user.organisation,
        channel="digital-mall",
    )
    charts = {c.id: c for c in english().get("/dashboard/").context["charts"]}
    assert [(b.label, b.value) for b in charts["chart-matches"].bars] == [
        ("Shortlisted", 1),
        ("Declined", 1),
    ]
    assert [(b.label, b.value) for b in charts["chart-registrations"].bars] == [("Draft", 1)]


def test_bar_chart_scales_to_the_largest_value():
    chart = bar_chart(id="c", title="t", description="d", rows=[("a", 2, "2"), ("b", 4, "4")])
    assert [b.width for b in chart.bars] == [180.0, 360.0]
    assert [b.y for b in chart.bars] == [0, chart.row]


# --- language -------------------------------------------------------------------------------


def test_language_follows_accept_language_until_the_user_picks_one():
    assert lang_of(english().get("/")) == "en"
    assert lang_of(Client(HTTP_ACCEPT_LANGUAGE="ko").get("/")) == "ko"
    client = english()
    resp = client.post("/i18n/setlang/", {"language": "ko", "next": "/dashboard/"})
    assert resp.status_code == 302 and resp["Location"] == "/dashboard/"
    assert lang_of(client.get("/")) == "ko"


def test_korean_organisations_get_korean_until_they_choose():
    korean = UserFactory(organisation=OrganisationFactory(kind="municipality", country="KR"))
    foreign = UserFactory(organisation=OrganisationFactory(kind="agency", country="VN"))
    client = english()
    client.force_login(korean)
    assert lang_of(client.get("/")) == "ko"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert lang_of(client.get("/")) == "en"
    other = english()
    other.force_login(foreign)
    assert lang_of(other.get("/")) == "en"


def test_pages_are_translated_to_korean():
    with translation.override("ko"):
        assert translation.gettext("Search solutions") != "Search solutions"
        assert translation.gettext("Compare solutions") != "Compare solutions"
    html = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/").content.decode()
    assert "Certified smart-city solutions, with the evidence" not in html


def test_organisation_names_follow_the_pages_language():
    vendor = OrganisationFactory(kind="vendor", name_ko="다솔교통시스템", name_en="Dasol Traffic")
    only_korean = OrganisationFactory(kind="vendor", name_ko="청람환경", name_en="")
    solution = SolutionFactory(status=PUBLISHED, vendor=vendor, name_en="Bus signal")
    other = SolutionFactory(status=PUBLISHED, vendor=only_korean, name_en="Bus sensor")
    reindex()
    user = UserFactory(organisation=vendor)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # a Korean organisation's pick
    client.force_login(user)
    assert "You act for Dasol Traffic." in client.get("/").content.decode()
    page = client.get("/search/?q=bus").content.decode()
    assert "Dasol Traffic" in page and "다솔교통시스템" not in page
    assert "청람환경" in page  # no English name: the Korean one rather than nothing
    page = client.get(f"/compare/?ids={solution.pk},{other.pk}").content.decode()
    assert "<td>Dasol Traffic</td>" in page and "<td>청람환경</td>" in page
    assert "Dasol Traffic" in client.get(f"/solutions/{solution.pk}/").content.decode()
    assert "<h1>Dasol Traffic</h1>" in client.get("/organisation/").content.decode()

    korean = Client()
    korean.force_login(user)
    assert "다솔교통시스템" in korean.get("/").content.decode()


def test_search_results_mark_texts_shown_in_the_other_language():
    both = SolutionFactory(
        status=PUBLISHED, name_ko="버스 신호 제어기", name_en="Bus signal controller"
    )
    SolutionFactory(
        status=PUBLISHED,
        name_ko="버스 승강장 센서",
        name_en="",
        summary_ko="정류장 혼잡도를 잽니다",
        summary_en="",
    )
    reindex()
    page = english().get("/search/?q=버스").content.decode()
    # the compare button's hidden label is the displayed name, not the Korean __str__
    assert '<span class="visually-hidden">: <span>Bus signal controller</span></span>' in page
    assert 'visually-hidden">: <span>버스 신호 제어기' not in page
    # no English text: the Korean one is shown, and says so
    assert '<span class="visually-hidden">: <span lang="ko">버스 승강장 센서</span></span>' in page
    assert re.search(r'<p lang="ko">[^<]*정류장', page)
    assert both.summary_en and f"<p>{both.summary_en}</p>" in page


def test_a_pilot_the_operator_rejected_shows_no_kpi_chart_and_counts_nowhere():
    solution = SolutionFactory(status=PUBLISHED, category="water", name_en="Leak finder")
    kept = KpiFactory(pilot=PilotFactory(solution=solution), baseline=10, result=9)
    rejected_pilot = PilotFactory(
        solution=solution, city="Nowhere", verification="rejected", verification_note="Forged."
    )
    rejected = KpiFactory(pilot=rejected_pilot, baseline=10, result=1, better="lower")

    html = english().get(f"/solutions/{solution.pk}/").content.decode()
    assert f'id="kpi-{kept.pk}-title"' in html
    assert f'id="kpi-{rejected.pk}-title"' not in html  # its 90 % claim is not charted
    assert "Rejected by the operator" in html
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get(f"/solutions/{solution.pk}/").content.decode()
    assert "운영기관이 이 실증의 증빙을 인정하지 않아" in korean

    compare = english().get(f"/compare/?ids={solution.pk}").context["columns"][0]
    assert compare["best_kpi"] == "10.0%" and compare["pilots"] == 1

    charts = {c.id: c for c in english().get("/dashboard/").context["charts"]}
    assert [(b.label, b.value) for b in charts["chart-kpis"].bars] == [("Water", 10.0)]


def test_solution_page_heading_falls_back_to_the_name_in_the_other_language():
    solution = SolutionFactory(
        status=PUBLISHED, name_en="", name_ko="누수 탐지기", summary_en="Finds leaks in pipes."
    )
    html = english().get(f"/solutions/{solution.pk}/").content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert heading.group(1).strip() == "누수 탐지기"
    assert re.search(r'<h1 lang="ko"', html)
    assert "Finds leaks in pipes." in html
