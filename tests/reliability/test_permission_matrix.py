"""A permission matrix generated from the URL configuration: every /api/v1/ route × role ×
object state. No object of another organisation is reachable by guessing its id (IDOR): a
request that is not allowed is refused (never 2xx), shows none of the object's text, and
changes nothing. A route missing from ``EXPECTED`` fails the test, so new ones get classified.
"""

import re

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from catalogue.models import SolutionImage
from jobs.models import Job
from matching.models import AlertSubscription, Lead, Match, Need, Registration
from search import indexing
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)
from tests.reliability.routes import UNSAFE, api_routes

ROLES = ("anonymous", "vendor-owner", "other-vendor", "municipality", "agency", "operator")
SOLUTION_STATES = ("draft", "submitted", "published", "archived")
NEED_STATES = ("draft", "published")
OWNER_ROLE = {
    "solution": "vendor-owner", "certification": "vendor-owner", "pilot": "vendor-owner",
    "kpi": "vendor-owner", "image": "vendor-owner", "alert": "vendor-owner",
    "job": "vendor-owner", "organisation": "vendor-owner", "member": "vendor-owner",
    "need": "municipality", "match": "municipality", "registration": "municipality",
    "lead": "agency",
}  # fmt: skip

# Who may use each route on an object that is not theirs:
#   public     anyone, when the object is public (published solution, published need)
#   signed-in  any signed-in user, when the object is public
#   lead-readers  signed-in agencies, vendors and operators (leads are not for municipalities)
#   owner      only the owning organisation and operators
#   parties    to read: the owning buyer, the vendor of the registered solution and operators
#   operator   only operators
#   list/open  no object in the URL (lists are checked for leaks of private objects)
S = "api/v1/^solutions/(?P<pk>\\d+)/"
EXPECTED: dict[tuple[str, str], tuple[str | None, str]] = {
    ("api/v1/^alert-subscriptions/$", "get"): (None, "list"),
    ("api/v1/^alert-subscriptions/$", "post"): (None, "list"),
    ("api/v1/^alert-subscriptions/(?P<pk>[^/.]+)/$", "delete"): ("alert", "owner"),
    ("api/v1/^certifications/(?P<pk>\\d+)/$", "delete"): ("certification", "owner"),
    ("api/v1/^certifications/(?P<pk>\\d+)/$", "get"): ("certification", "public"),
    ("api/v1/^certifications/(?P<pk>\\d+)/$", "patch"): ("certification", "owner"),
    ("api/v1/^certifications/(?P<pk>\\d+)/verify/$", "post"): ("certification", "operator"),
    ("api/v1/^kpis/(?P<pk>\\d+)/$", "delete"): ("kpi", "owner"),
    ("api/v1/^kpis/(?P<pk>\\d+)/$", "get"): ("kpi", "public"),
    ("api/v1/^kpis/(?P<pk>\\d+)/$", "patch"): ("kpi", "owner"),
    ("api/v1/^leads/$", "get"): (None, "list"),
    ("api/v1/^leads/$", "post"): (None, "list"),
    ("api/v1/^leads/(?P<pk>[^/.]+)/$", "get"): ("lead", "lead-readers"),
    ("api/v1/^leads/(?P<pk>[^/.]+)/$", "patch"): ("lead", "owner"),
    ("api/v1/^leads/(?P<pk>[^/.]+)/$", "put"): ("lead", "owner"),
    ("api/v1/^leads/(?P<pk>[^/.]+)/matches/$", "get"): ("lead", "owner"),
    ("api/v1/^needs/$", "get"): (None, "list"),
    ("api/v1/^needs/$", "post"): (None, "list"),
    ("api/v1/^needs/(?P<pk>[^/.]+)/$", "get"): ("need", "signed-in"),
    ("api/v1/^needs/(?P<pk>[^/.]+)/$", "patch"): ("need", "owner"),
    ("api/v1/^needs/(?P<pk>[^/.]+)/$", "put"): ("need", "owner"),
    ("api/v1/^needs/(?P<pk>[^/.]+)/matches/$", "get"): ("need", "owner"),
    ("api/v1/^needs/(?P<pk>[^/.]+)/publish/$", "post"): ("need", "owner"),
    ("api/v1/^pilots/(?P<pk>\\d+)/$", "delete"): ("pilot", "owner"),
    ("api/v1/^pilots/(?P<pk>\\d+)/$", "get"): ("pilot", "public"),
    ("api/v1/^pilots/(?P<pk>\\d+)/$", "patch"): ("pilot", "owner"),
    ("api/v1/^pilots/(?P<pk>\\d+)/kpis/$", "get"): ("pilot", "public"),
    ("api/v1/^pilots/(?P<pk>\\d+)/kpis/$", "post"): ("pilot", "owner"),
    ("api/v1/^pilots/(?P<pk>\\d+)/verify/$", "post"): ("pilot", "operator"),
    ("api/v1/^solutions/$", "get"): (None, "list"),
    ("api/v1/^solutions/$", "post"): (None, "list"),
    (S + "$", "get"): ("solution", "public"),
    (S + "$", "patch"): ("solution", "owner"),
    (S + "archive/$", "post"): ("solution", "owner"),
    (S + "certifications/$", "get"): ("solution", "public"),
    (S + "certifications/$", "post"): ("solution", "owner"),
    (S + "history/$", "get"): ("solution", "owner"),
    (S + "pilots/$", "get"): ("solution", "public"),
    (S + "pilots/$", "post"): ("solution", "owner"),
    (S + "publish/$", "post"): ("solution", "operator"),
    (S + "send-back/$", "post"): ("solution", "operator"),
    (S + "submit/$", "post"): ("solution", "owner"),
    ("api/v1/auth/token/", "post"): (None, "open"),
    ("api/v1/images/<int:pk>/", "delete"): ("image", "owner"),
    ("api/v1/images/<int:pk>/", "get"): ("image", "public"),
    ("api/v1/jobs/", "get"): (None, "list"),
    ("api/v1/jobs/", "post"): (None, "list"),
    ("api/v1/jobs/<int:pk>/", "get"): ("job", "owner"),
    ("api/v1/jobs/<int:pk>/retry/", "post"): ("job", "owner"),
    ("api/v1/leads/import/", "post"): (None, "list"),
    ("api/v1/leads/import/template.csv", "get"): (None, "open"),
    ("api/v1/matches/<int:pk>/registrations/", "post"): ("match", "owner"),
    ("api/v1/matches/<int:pk>/status/", "post"): ("match", "owner"),
    ("api/v1/organisations/", "get"): (None, "list"),
    ("api/v1/organisations/<int:organisation_id>/", "get"): ("organisation", "owner"),
    ("api/v1/organisations/<int:organisation_id>/approve/", "post"): ("organisation", "operator"),
    ("api/v1/organisations/<int:organisation_id>/history/", "get"): ("organisation", "owner"),
    ("api/v1/organisations/<int:organisation_id>/reject/", "post"): ("organisation", "operator"),
    ("api/v1/organisations/me/", "get"): (None, "list"),
    ("api/v1/organisations/me/invitations/", "post"): (None, "list"),
    ("api/v1/organisations/me/members/<int:member_id>/", "delete"): ("member", "owner"),
    ("api/v1/organisations/me/members/<int:member_id>/", "patch"): ("member", "owner"),
    ("api/v1/registrations/<int:pk>/", "get"): ("registration", "parties"),
    ("api/v1/registrations/<int:pk>/", "patch"): ("registration", "owner"),
    ("api/v1/registrations/<int:pk>/dossier.<str:fmt>", "get"): ("registration", "parties"),
    ("api/v1/registrations/<int:pk>/transition/", "post"): ("registration", "owner"),
    ("api/v1/review-queue/", "get"): (None, "list"),
    ("api/v1/search/solutions/", "get"): (None, "open"),
    ("api/v1/search/suggest/", "get"): (None, "open"),
    ("api/v1/solutions/<int:pk>/opportunities/", "get"): ("solution", "owner"),
    ("api/v1/solutions/<int:solution_id>/images/", "get"): ("solution", "public"),
    ("api/v1/solutions/<int:solution_id>/images/", "post"): ("solution", "owner"),
}
PUBLIC_STATES = {"published", "-"}
BODY = {
    "reason": "taken over", "decision": "verified", "note": "taken over", "status": "declined",
    "to": "submitted", "summary_en": "taken over", "title_en": "taken over", "city": "X",
    "is_org_admin": True, "email": "intruder@example.org", "channel": "pps", "threshold": 0.9,
    "indicator": "taken over", "baseline": 1, "result": 2, "unit": "x", "better": "higher",
    "type": "gs", "number": "N-1", "issuer": "X", "country": "KR", "category": "mobility",
}  # fmt: skip
_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)|<(?:int|str):\w+>")


def url_for(route: str, object_id: int | None) -> str:
    """A concrete URL: the route with the object's id (and ``json`` for a format)."""
    path = route.replace("^", "").replace("$", "").replace("\\", "")
    path = path.replace("dossier.<str:fmt>", "dossier.json")
    if object_id is not None:
        path = _GROUP.sub(str(object_id), path)
    return "/" + path


def test_every_api_route_is_classified():
    found = set(api_routes())
    assert found - set(EXPECTED) == set(), "classify these new routes in EXPECTED"
    assert set(EXPECTED) - found == set(), "these classified routes no longer exist"


@pytest.fixture
def world(db):
    """One user per role, and objects of every kind and state owned by one organisation."""
    orgs = {
        "vendor-owner": OrganisationFactory(kind="vendor"),
        "other-vendor": OrganisationFactory(kind="vendor"),
        "municipality": OrganisationFactory(kind="municipality", tier="county", population=33000),
        "agency": OrganisationFactory(kind="agency"),
        "operator": OrganisationFactory(kind="operator"),
    }
    users = {role: UserFactory(organisation=org, is_org_admin=True) for role, org in orgs.items()}
    users["anonymous"] = None
    vendor, buyer, agency = orgs["vendor-owner"], orgs["municipality"], orgs["agency"]
    objects: dict[tuple[str, str], object] = {}
    for state in SOLUTION_STATES:
        mark = f"MARK-solution-{state}"
        solution = SolutionFactory(
            vendor=vendor, status=state, name_en=mark, summary_en=mark, description_ko=mark
        )
        cert = CertificationFactory(solution=solution, number=f"MARK-certification-{state}")
        pilot = PilotFactory(solution=solution, summary_en=f"MARK-pilot-{state}")
        kpi = KpiFactory(pilot=pilot, indicator=f"MARK-kpi-{state}")
        image = SolutionImage.objects.create(
            solution=solution,
            image="images/x.png",
            thumbnail="thumbnails/x.png",
            width=8,
            height=8,
            format="png",
            alt_en=f"MARK-image-{state}",
        )
        objects.update(
            {("solution", state): solution, ("certification", state): cert,
             ("pilot", state): pilot, ("kpi", state): kpi, ("image", state): image}
        )  # fmt: skip
    published = objects[("solution", "published")]
    for state in NEED_STATES:
        need = Need.objects.create(
            organisation=buyer, created_by=users["municipality"], category="mobility",
            title_en=f"MARK-need-{state}", description_en=f"MARK-need-{state}", status=state,
        )  # fmt: skip
        match = Match.objects.create(
            need=need, solution=published, rank=1, score=0.5, explanation_en=f"MARK-match-{state}"
        )
        registration = Registration.objects.create(
            match=match, solution=published, organisation=buyer, channel="pps",
            note=f"MARK-registration-{state}", created_by=users["municipality"],
        )  # fmt: skip
        objects.update(
            {("need", state): need, ("match", state): match, ("registration", state): registration}
        )
    objects[("lead", "-")] = Lead.objects.create(
        organisation=agency, created_by=users["agency"], country="VN", title_en="MARK-lead"
    )
    objects[("alert", "-")] = AlertSubscription.objects.create(
        organisation=vendor, solution=published, email="mark-alert@example.org"
    )
    objects[("job", "-")] = Job.objects.create(
        kind="noop", started_by=users["vendor-owner"], input_name="MARK-job"
    )
    objects[("organisation", "-")] = vendor
    objects[("member", "-")] = UserFactory(organisation=vendor, email="mark-member@example.org")
    return users, objects


def _fingerprint(obj) -> dict | None:
    row = type(obj).objects.filter(pk=obj.pk).first()
    return None if row is None else model_to_dict(row)


def _marker(obj) -> str:
    for attr in ("name_en", "alt_en", "number", "summary_en", "indicator", "title_en",
                 "explanation_en", "note", "input_name", "email"):  # fmt: skip
        value = getattr(obj, attr, "")
        if isinstance(value, str) and value.lower().startswith("mark"):
            return value
    return ""


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _call(client, method: str, url: str):
    if method in UNSAFE:
        return getattr(client, method)(url, BODY, format="json")
    return getattr(client, method)(url)


def _allowed(role: str, kind: str, rule: str, state: str, method: str) -> bool:
    if role in (OWNER_ROLE[kind], "operator"):
        return True
    if rule == "parties" and method not in UNSAFE:
        return role == "vendor-owner"  # registrations here are of vendor-owner's solution
    if method in UNSAFE or state not in PUBLIC_STATES:
        return False
    if rule == "lead-readers":
        return role not in ("anonymous", "municipality")
    return rule == "public" or (rule == "signed-in" and role != "anonymous")


OBJECT_ROUTES = sorted(key for key, (kind, _rule) in EXPECTED.items() if kind is not None)
CHECKED: list[int] = []  # refused cases checked, reported by the summary test below


@pytest.mark.parametrize(("route", "method"), OBJECT_ROUTES)
def test_no_object_of_another_organisation_is_reachable_by_its_id(world, route, method):
    users, objects = world
    kind, rule = EXPECTED[(route, method)]
    states = sorted({state for (k, state) in objects if k == kind})
    for role in ROLES:
        checked = 0
        for state in states:
            obj = objects[(kind, state)]
            before = _fingerprint(obj)
            response = _call(_client(users[role]), method, url_for(route, obj.pk))
            where = f"{method.upper()} {url_for(route, obj.pk)} as {role} on a {state} {kind}"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            if _allowed(role, kind, rule, state, method):
                continue
            checked += 1
            assert not 200 <= response.status_code < 300, f"{where}: {response.status_code}"
            marker = _marker(obj)
            if marker:
                assert marker not in _body(response), where
            assert _fingerprint(obj) == before, f"{where} changed the object"
        CHECKED.append(checked)


LIST_ROUTES = [
    route for (route, method), (kind, _r) in sorted(EXPECTED.items())
    if kind is None and method == "get"
]  # fmt: skip


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_lists_show_no_private_object_of_another_organisation(world, route):
    users, objects = world
    indexing.rebuild()  # search and suggest answer from an index of what the database holds
    for role in ROLES:
        response = _client(users[role]).get(url_for(route, None), {"q": "MARK"})
        assert response.status_code < 500
        body = _body(response)
        for (kind, state), obj in objects.items():
            if kind in ("organisation", "member", "lead"):
                continue  # not private by state (operators list organisations; leads are shared)
            if role in (OWNER_ROLE[kind], "operator") or state in PUBLIC_STATES:
                continue
            marker = _marker(obj)
            assert not marker or marker not in body, f"GET {route} as {role} shows {marker}"
