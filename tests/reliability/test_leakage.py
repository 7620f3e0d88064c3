"""Nothing private leaks sideways: a draft, submitted or archived solution's words are in no
search result, suggestion, facet count, compare page or export that other people get, and a
municipality's draft need is in no vendor's opportunities, reverse matching or alert."""

import csv
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from catalogue.exchange import dump_document, export_document
from catalogue.models import Solution
from catalogue.services import solutions as solution_services
from catalogue.views_public import catalogue_figures, dashboard_figures
from matching import alerts
from matching import services as matching_services
from matching.models import Lead, Need
from search import indexing
from tests.factories import OrganisationFactory, SolutionFactory, UserFactory

SHARED = "quokkashared"
PRIVATE = {"draft": "zebradraft", "submitted": "zebrasubmitted", "archived": "zebraarchived"}
CATEGORY = {"published": "mobility", "draft": "safety", "submitted": "energy",
            "archived": "environment"}  # fmt: skip
OTHERS = ("anonymous", "other-vendor", "buyer", "agency")


def _text(word: str) -> dict:
    return {
        "name_en": f"Parking guidance {word}",
        "name_ko": f"주차 안내 {word}",
        "summary_en": f"Guides drivers to parking spaces {SHARED} {word}",
        "summary_ko": f"빈 주차면을 안내합니다 {SHARED} {word}",
        "description_ko": f"실시간 주차 센서 {SHARED} {word} 설명",
        "description_en": f"Real-time parking sensors {SHARED} {word}",
    }


@pytest.fixture
def catalogue(db, django_capture_on_commit_callbacks):
    """One published solution and one of each private state, all sharing a word; the archived
    one was published, indexed and matched first, then archived the way its vendor does it."""
    vendor = OrganisationFactory(kind="vendor")
    users = {
        "owner": UserFactory(organisation=vendor, is_org_admin=True),
        "other-vendor": UserFactory(organisation=OrganisationFactory(kind="vendor")),
        "buyer": UserFactory(
            organisation=OrganisationFactory(kind="municipality", tier="county", population=30_000)
        ),
        "agency": UserFactory(organisation=OrganisationFactory(kind="agency")),
        "operator": UserFactory(organisation=OrganisationFactory(kind="operator")),
        "anonymous": None,
    }
    solutions = {"published": SolutionFactory(
        vendor=vendor, status="published", category="mobility", **_text("zebrapublic")
    )}  # fmt: skip
    for state, word in PRIVATE.items():
        initial = "published" if state == "archived" else state
        solutions[state] = SolutionFactory(
            vendor=vendor, status=initial, category="mobility", **_text(word)
        )
    indexing.rebuild()
    lead = Lead.objects.create(
        organisation=users["agency"].organisation, created_by=users["agency"], country="VN",
        category="mobility", title_en=f"Parking guidance for the city {SHARED}",
        description_en=f"Parking sensors {SHARED}",
    )  # fmt: skip
    need = Need.objects.create(
        organisation=users["buyer"].organisation, created_by=users["buyer"], category="mobility",
        title_en=f"Parking guidance {SHARED}", description_en=f"Parking sensors {SHARED}",
        status="published",
    )  # fmt: skip
    matching_services.lead_match(lead=lead)
    matching_services.need_match(need=need)
    archived = solutions["archived"]
    assert lead.matches.filter(solution=archived).exists(), "the archived one was matched"
    with django_capture_on_commit_callbacks(execute=True):
        solution_services.solution_archive(user=users["owner"], solution=archived)
    for state in ("draft", "submitted", "archived"):  # the categories only they have
        Solution.objects.filter(pk=solutions[state].pk).update(category=CATEGORY[state])
    return users, solutions, lead, need


def _web(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _assert_private_absent(text: str, where: str):
    for word in PRIVATE.values():
        assert word not in text, f"{where} shows {word}"


def test_search_suggestions_and_facets_show_only_published_solutions(catalogue):
    users, solutions, _lead, _need = catalogue
    visible = Solution.objects.published().filter(summary_en__contains=SHARED).count()
    assert visible == 1
    for role in (*OTHERS, "owner", "operator"):
        web, api = _web(users[role]), _api(users[role])
        for word in PRIVATE.values():
            page = web.get("/search/", {"q": word})
            assert page.status_code == 200
            body = page.content.decode()  # the query itself is echoed; no solution may be
            assert f"안내 {word}" not in body and f"guidance {word}" not in body, (role, word)
            assert 'href="/solutions/' not in body, (role, word)
            found = api.get("/api/v1/search/solutions/", {"q": word}).json()
            assert found["total"] == 0 and found["results"] == [], (role, word, found)
        suggested = api.get("/api/v1/search/suggest/", {"q": "zebra"}).json()["results"]
        assert [s["id"] for s in suggested] and {s["id"] for s in suggested} == {
            solutions["published"].pk
        }, (role, suggested)
        _assert_private_absent(json.dumps(suggested), f"suggest as {role}")
        shared = api.get("/api/v1/search/solutions/", {"q": SHARED}).json()
        assert shared["total"] == visible, (role, shared["total"])
        assert [r["id"] for r in shared["results"]] == [solutions["published"].pk]
        for facet, counts in shared["facets"].items():
            assert all(n <= visible for n in counts.values()), (role, facet, counts)
        assert shared["facets"]["category"] == {"mobility": visible}, shared["facets"]
        page = web.get("/search/", {"q": SHARED}).content.decode()
        _assert_private_absent(page, f"/search/?q={SHARED} as {role}")
        everything = api.get("/api/v1/search/solutions/").json()
        assert everything["total"] == Solution.objects.published().count()
        assert sum(everything["facets"]["category"].values()) == everything["total"]


def test_compare_pages_show_only_what_the_viewer_may_see(catalogue):
    users, solutions, _lead, _need = catalogue
    ids = ",".join(str(s.pk) for s in solutions.values())
    for role in OTHERS:
        web = _web(users[role])
        page = web.get("/compare/", {"ids": ids})
        assert page.status_code == 200
        body = page.content.decode()
        assert "zebrapublic" in body
        _assert_private_absent(body, f"/compare/?ids= as {role}")
        for state in PRIVATE:
            added = web.post("/compare/add/", {"solution": solutions[state].pk})
            assert added.status_code == 404, (role, state, added.status_code)
        # a tray holding a solution that was archived after it was added
        session = web.session
        session["compare_ids"] = [solutions["archived"].pk, solutions["published"].pk]
        session.save()
        body = web.get("/compare/").content.decode()
        assert "zebrapublic" in body
        _assert_private_absent(body, f"/compare/ (session tray) as {role}")
    owner_view = _web(users["owner"]).get("/compare/", {"ids": ids}).content.decode()
    assert "zebradraft" in owner_view  # the vendor compares its own drafts: the check can fail


def test_lists_exports_and_figures_count_only_published_solutions(catalogue):
    users, solutions, lead, need = catalogue
    for role in OTHERS:
        api = _api(users[role])
        listed = api.get("/api/v1/solutions/", {"page_size": 100})
        assert listed.status_code == 200
        _assert_private_absent(listed.content.decode(), f"/api/v1/solutions/ as {role}")
        for url in ("/", "/dashboard/"):
            _assert_private_absent(_web(users[role]).get(url).content.decode(), f"{url} {role}")
    assert catalogue_figures()["solutions"] == 1
    assert [value for _label, value, _text in dashboard_figures()["solutions"]] == [1]
    exported = dump_document(export_document())
    assert "zebrapublic" in exported
    _assert_private_absent(exported, "the public exchange export")


def test_matches_of_an_archived_solution_leave_pages_and_exports(catalogue):
    """The archived solution had been matched with an open lead and need; after archiving, the
    agency's and the buyer's pages, CSV/Excel exports and the API show it no more."""
    users, solutions, lead, need = catalogue
    agency, buyer = _web(users["agency"]), _web(users["buyer"])
    pages = {
        "lead page": agency.get(f"/workspace/agency/leads/{lead.pk}/", {"all": 1}),
        "need page": buyer.get(f"/workspace/buyer/needs/{need.pk}/", {"all": 1}),
        "lead matches API": _api(users["agency"]).get(f"/api/v1/leads/{lead.pk}/matches/"),
        "need matches API": _api(users["buyer"]).get(f"/api/v1/needs/{need.pk}/matches/"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        body = response.content.decode()
        assert "zebrapublic" in body, where
        _assert_private_absent(body, where)
    exported = agency.get(f"/workspace/agency/leads/{lead.pk}/shortlist.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert any("zebrapublic" in cell for row in rows for cell in row)
    _assert_private_absent(json.dumps(rows, ensure_ascii=False), "shortlist.csv")
    book = load_workbook(
        io.BytesIO(agency.get(f"/workspace/agency/leads/{lead.pk}/shortlist.xlsx").content)
    )
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
    _assert_private_absent(" ".join(cells), "shortlist.xlsx")


def test_a_closed_lead_keeps_no_match_of_an_archived_solution_on_show(catalogue):
    """Closed leads are not matched again when a solution changes; their pages must still not
    show a solution that has left the catalogue."""
    users, solutions, lead, _need = catalogue
    fresh = SolutionFactory(
        vendor=solutions["published"].vendor, status="published", category="mobility",
        **_text("zebralater"),
    )  # fmt: skip
    indexing.rebuild()
    matching_services.lead_match(lead=lead)
    assert lead.matches.filter(solution=fresh, stale=False).exists()
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CLOSED)
    Solution.objects.filter(pk=fresh.pk).update(status=Solution.Status.ARCHIVED)
    agency = _web(users["agency"])
    page = agency.get(f"/workspace/agency/leads/{lead.pk}/", {"all": 1}).content.decode()
    csv_body = agency.get(f"/workspace/agency/leads/{lead.pk}/shortlist.csv").content.decode()
    api = _api(users["agency"]).get(f"/api/v1/leads/{lead.pk}/matches/").content.decode()
    for where, body in (("lead page", page), ("shortlist.csv", csv_body), ("API", api)):
        assert "zebralater" not in body, where


@pytest.fixture
def needs(catalogue, settings):
    """A draft (private) need and a published one, both fitting the published solution."""
    users, solutions, _lead, _need = catalogue
    settings.LANGUAGE_CODE = "en"
    made = {}
    for state in ("draft", "published"):
        word = f"walrus{state}"
        made[state] = Need.objects.create(
            organisation=users["buyer"].organisation, created_by=users["buyer"],
            category="mobility", title_en=f"Parking guidance sensors {word}",
            title_ko=f"주차 안내 {word}", description_en=f"Parking guidance {SHARED} {word}",
            status="published",
        )  # fmt: skip
        matching_services.need_match(need=made[state])
    # the draft was matched like the other, then taken back to draft (as an import or an
    # operator may do): its rows exist, so only the visibility rules keep it private
    Need.objects.filter(pk=made["draft"].pk).update(status=Need.Status.DRAFT)
    assert made["draft"].matches.filter(solution=solutions["published"]).exists()
    return made


def test_a_draft_need_is_in_no_vendors_opportunities_or_alerts(catalogue, needs):
    users, solutions, _lead, _need = catalogue
    published = solutions["published"]
    owner, other = users["owner"], users["other-vendor"]
    found = matching_services.solution_opportunities(solution=published, refresh=True)
    titles = " ".join((m.need or m.lead).title_en for m in found)
    assert "walruspublished" in titles and "walrusdraft" not in titles
    web = _web(owner)
    page = web.get(f"/workspace/vendor/solutions/{published.pk}/").content.decode()
    assert "walruspublished" in page and "walrusdraft" not in page
    refreshed = web.post(f"/workspace/vendor/solutions/{published.pk}/opportunities/refresh/")
    assert refreshed.status_code == 302
    page = web.get(f"/workspace/vendor/solutions/{published.pk}/").content.decode()
    assert "walruspublished" in page and "walrusdraft" not in page
    api = _api(owner).get(f"/api/v1/solutions/{published.pk}/opportunities/").json()
    shown = {m["need"] for m in api["results"]}
    assert needs["published"].pk in shown and needs["draft"].pk not in shown, shown
    for user in (owner, other, users["agency"]):
        listed = _api(user).get("/api/v1/needs/", {"page_size": 100}).content.decode()
        assert "walruspublished" in listed and "walrusdraft" not in listed
    alerts.alert_subscribe(user=owner, solution=published, threshold=0.0, email="v@example.org")
    alerts.alert_subscribe(user=owner, category="mobility", threshold=0.0, email="v@example.org")
    mail.outbox.clear()
    sent = alerts.send_opportunity_alerts()
    assert sent["emails"] == 1
    body = "\n".join(m.subject + m.body for m in mail.outbox)
    assert "walruspublished" in body and "walrusdraft" not in body


def test_an_index_that_missed_an_unpublishing_shows_no_name_and_repair_fixes_the_counts(catalogue):
    """The index can lag the database (a sync that failed waits for a retry or a repair): a
    solution unpublished meanwhile shows in no result or suggestion, and once the index is
    repaired the totals and facets count only what people can see."""
    users, solutions, _lead, _need = catalogue
    published = solutions["published"]
    Solution.objects.filter(pk=published.pk).update(status=Solution.Status.DRAFT)  # no sync
    for role in OTHERS:
        api, web = _api(users[role]), _web(users[role])
        suggested = api.get("/api/v1/search/suggest/", {"q": "zebra"}).json()["results"]
        assert suggested == [], (role, suggested)
        found = api.get("/api/v1/search/solutions/", {"q": SHARED}).json()
        assert found["results"] == [], (role, found["results"])
        body = web.get("/search/", {"q": SHARED}).content.decode()
        assert "zebrapublic" not in body and 'href="/solutions/' not in body, role
    call_command("search_index", "repair", stdout=io.StringIO(), stderr=io.StringIO())
    found = _api(None).get("/api/v1/search/solutions/", {"q": SHARED}).json()
    assert found["total"] == 0 and not any(found["facets"].get("category", {}).values())
