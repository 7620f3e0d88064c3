"""A permission matrix of the web pages, generated from the URL configuration: every page route
that names an object (id or token) × role × object state, plus the registration dossier exports
and the admin. Whoever may not see an object gets the answer a made-up id gets (404, or a
sign-in redirect / 403 for a workspace that is not theirs), sees none of its text, and a refused
POST changes nothing. A route missing from ``EXPECTED`` fails the test, so new pages get
classified (the API has its own matrix in test_permission_matrix.py).
"""

import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import get_resolver

from catalogue.models import Invitation, Organisation, SolutionImage
from catalogue.selectors_organisations import invitation_token_hash
from jobs.models import Job
from matching.models import Lead, Match, Need, Registration
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)
from tests.reliability.routes import _walk

ROLES = (
    "anonymous", "owner-vendor", "other-vendor", "buyer", "other-buyer", "agency",
    "other-agency", "operator",
)  # fmt: skip
VENDORS = {"owner-vendor", "other-vendor"}
BUYERS = {"buyer", "other-buyer"}
AGENCIES = {"agency", "other-agency"}
SIGNED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)
MISSING_ID = 987654321
INVITATION_TOKEN = "MARKinvitation-token-0123456789abcdef"

# route -> (rule, the roles whose workspace it is, methods). Rules, for an object that is not
# the role's own:
#   public          anyone when the object is public (published solution); else owner/operator
#   owner           only the owning organisation
#   owner+operator  the owning organisation and operators
#   operator        operators only
#   parties         the organisation that opened the registration, the solution's vendor, operators
#   token           whoever holds the invitation's token (a guessed token is checked instead)
#   matched         a vendor one of whose solutions matched it, once published (need) / open (lead)
#   open            no object in the URL (lists and search are checked in test_leakage.py)
V = "workspace/vendor/solutions/<int:solution_id>/"
REG = "workspace/registrations/<int:registration_id>/"
DEV_MEDIA = "^media/(?P<path>(?!jobs/).*)$"
R = "workspace/review/"
EXPECTED: dict[str, tuple[str, set[str], tuple[str, ...]]] = {
    "": ("open", EVERYONE, ("get",)),
    "healthz": ("open", EVERYONE, ("get",)),
    "search/": ("open", EVERYONE, ("get",)),
    "api/schema/": ("open", EVERYONE, ("get",)),
    "api/docs/": ("open", EVERYONE, ("get",)),
    "i18n/setlang/": ("open", EVERYONE, ("post",)),
    "compare/": ("open", EVERYONE, ("get",)),
    "compare/add/": ("open", EVERYONE, ("post",)),
    "compare/remove/": ("open", EVERYONE, ("post",)),
    "dashboard/": ("open", EVERYONE, ("get",)),
    "organisation/": ("open", SIGNED_IN, ("get",)),
    "organisation/invitations/": ("open", SIGNED_IN, ("post",)),
    "workspace/vendor/": ("open", VENDORS, ("get",)),
    "workspace/vendor/solutions/new/": ("open", VENDORS, ("get", "post")),
    "workspace/buyer/": ("open", BUYERS, ("get",)),
    "workspace/buyer/needs/new/": ("open", BUYERS, ("get", "post")),
    "workspace/agency/": ("open", AGENCIES, ("get",)),
    "workspace/agency/upload/": ("open", AGENCIES, ("post",)),
    "workspace/agency/leads-template.csv": ("open", AGENCIES, ("get",)),
    R: ("open", {"operator"}, ("get",)),
    # DEBUG only: a file under MEDIA_ROOT by its random name; evidence URLs are given to its
    # vendor and operators only (test_evidence_url_is_given_to_its_vendor_and_operators_only)
    DEV_MEDIA: ("open", EVERYONE, ("get",)),
    "solutions/<int:solution_id>/": ("public", EVERYONE, ("get",)),
    "organisation/members/<int:member_id>/remove/": ("owner", SIGNED_IN, ("post",)),
    "organisation/members/<int:member_id>/admin/": ("owner", SIGNED_IN, ("post",)),
    "invitations/<str:token>/": ("token", EVERYONE, ("get", "post")),
    V: ("owner", VENDORS, ("get",)),
    V + "edit/": ("owner", VENDORS, ("get", "post")),
    V + "images/": ("owner", VENDORS, ("post",)),
    V + "images/<int:image_id>/delete/": ("owner", VENDORS, ("post",)),
    V + "certifications/": ("owner", VENDORS, ("post",)),
    V + "pilots/": ("owner", VENDORS, ("post",)),
    V + "pilots/<int:pilot_id>/kpis/": ("owner", VENDORS, ("post",)),
    V + "certifications/<int:certification_id>/edit/": ("owner", VENDORS, ("get", "post")),
    V + "certifications/<int:certification_id>/delete/": ("owner", VENDORS, ("post",)),
    V + "pilots/<int:pilot_id>/edit/": ("owner", VENDORS, ("get", "post")),
    V + "pilots/<int:pilot_id>/delete/": ("owner", VENDORS, ("post",)),
    V + "pilots/<int:pilot_id>/kpis/<int:kpi_id>/edit/": ("owner", VENDORS, ("get", "post")),
    V + "pilots/<int:pilot_id>/kpis/<int:kpi_id>/delete/": ("owner", VENDORS, ("post",)),
    V + "archive/": ("owner", VENDORS, ("post",)),
    V + "submit/": ("owner", VENDORS, ("post",)),
    V + "opportunities/refresh/": ("owner", VENDORS, ("post",)),
    "workspace/evidence/<int:certification_id>/": ("owner+operator", SIGNED_IN, ("get",)),
    R + "solutions/<int:solution_id>/": ("operator", {"operator"}, ("get",)),
    R + "solutions/<int:solution_id>/publish/": ("operator", {"operator"}, ("post",)),
    R + "solutions/<int:solution_id>/send-back/": ("operator", {"operator"}, ("post",)),
    R + "certifications/<int:certification_id>/": ("operator", {"operator"}, ("post",)),
    R + "pilots/<int:pilot_id>/": ("operator", {"operator"}, ("post",)),
    R + "organisations/<int:organisation_id>/": ("operator", {"operator"}, ("post",)),
    "workspace/buyer/needs/<int:need_id>/": ("owner", BUYERS, ("get",)),
    "workspace/vendor/needs/<int:need_id>/": ("matched", VENDORS, ("get",)),
    "workspace/vendor/leads/<int:lead_id>/": ("matched", VENDORS, ("get",)),
    "workspace/buyer/needs/<int:need_id>/edit/": ("owner", BUYERS, ("get", "post")),
    "workspace/buyer/needs/<int:need_id>/publish/": ("owner", BUYERS, ("post",)),
    "workspace/buyer/needs/<int:need_id>/rematch/": ("owner", BUYERS, ("post",)),
    "workspace/buyer/matches/<int:match_id>/status/": ("owner", BUYERS, ("post",)),
    "workspace/agency/leads/<int:lead_id>/": ("owner", AGENCIES, ("get",)),
    "workspace/agency/leads/<int:lead_id>/rematch/": ("owner", AGENCIES, ("post",)),
    "workspace/agency/leads/<int:lead_id>/shortlist.csv": ("owner", AGENCIES, ("get",)),
    "workspace/agency/leads/<int:lead_id>/shortlist.xlsx": ("owner", AGENCIES, ("get",)),
    "workspace/agency/matches/<int:match_id>/status/": ("owner", AGENCIES, ("post",)),
    "workspace/matches/<int:match_id>/registrations/": ("owner", BUYERS | AGENCIES, ("post",)),
    REG: ("owner", BUYERS | AGENCIES, ("get",)),
    REG + "transition/": ("owner", BUYERS | AGENCIES, ("post",)),
    "jobs/<int:job_id>/": ("owner", SIGNED_IN, ("get",)),
    "jobs/<int:job_id>/retry/": ("owner", SIGNED_IN, ("post",)),
}
# The registration dossier is an API route the registration page links to (signed in by session).
DOSSIER = "api/v1/registrations/<int:pk>/dossier.<str:fmt>"
EXPORTS = {
    DOSSIER.replace("<str:fmt>", fmt): ("parties", SIGNED_IN, ("get",)) for fmt in ("html", "json")
}
SKIPPED_PREFIXES = ("api/v1/", "admin/")  # the API matrix; the admin is checked below
# allauth's own pages (sign-in, sign-up, e-mail confirmation and password-reset keys)
ALLAUTH = "accounts/"

PARAM_KIND = {
    "solution_id": "solution", "certification_id": "certification", "pilot_id": "pilot",
    "image_id": "image", "kpi_id": "kpi", "need_id": "need", "match_id": "match", "lead_id": "lead",
    "registration_id": "registration", "pk": "registration", "job_id": "job",
    "member_id": "member", "organisation_id": "organisation", "token": "invitation",
}  # fmt: skip
_PARAM = re.compile(r"<(?:int|str|path):(\w+)>")


def page_routes() -> list[str]:
    """Every web route outside the API, the admin and allauth."""
    return sorted(
        route
        for route, _cb in _walk(get_resolver().url_patterns, "")
        if not route.startswith((*SKIPPED_PREFIXES, ALLAUTH))
    )


def admin_object_routes() -> list[str]:
    return sorted(
        route
        for route, _cb in _walk(get_resolver().url_patterns, "")
        if route.startswith("admin/") and "<path:object_id>" in route
    )


def test_every_page_route_is_classified():
    found = set(page_routes())
    assert found - set(EXPECTED) == set(), "classify these new pages in EXPECTED"
    assert set(EXPECTED) - found - {DEV_MEDIA} == set(), "these classified pages no longer exist"
    for route in found:
        rule = EXPECTED[route][0]
        names = _PARAM.findall(route)
        assert (rule == "open") == (not names), route
        assert all(name in PARAM_KIND for name in names), f"{route}: name its object kind"
    assert DOSSIER in {r for r, _cb in _walk(get_resolver().url_patterns, "")}


class Obj:
    """An object of the world: who owns it, whether it is public, its URL parameters."""

    def __init__(self, row, owner: str, public: bool, marker: str, params: dict, body=None):
        self.row, self.owner, self.public, self.marker = row, owner, public, marker
        self.params, self.body = params, body or {}


@pytest.fixture
def world(db):
    """One user per role and objects of every kind and state, each with a unique marker."""
    orgs = {
        "owner-vendor": OrganisationFactory(kind="vendor"),
        "other-vendor": OrganisationFactory(kind="vendor"),
        "buyer": OrganisationFactory(kind="municipality", tier="county", population=33000),
        "other-buyer": OrganisationFactory(kind="municipality", tier="county", population=9000),
        "agency": OrganisationFactory(kind="agency"),
        "other-agency": OrganisationFactory(kind="agency"),
        "operator": OrganisationFactory(kind="operator"),
    }
    users = {role: UserFactory(organisation=org, is_org_admin=True) for role, org in orgs.items()}
    users["anonymous"] = None
    vendor = orgs["owner-vendor"]
    objects: dict[tuple[str, str], Obj] = {}
    for state in ("draft", "submitted", "published", "archived"):
        public = state == "published"
        mark = f"MARKsolution{state}"
        solution = SolutionFactory(
            vendor=vendor, status=state, name_en=mark, name_ko=mark, summary_en=mark,
            summary_ko=mark, description_ko=mark,
        )  # fmt: skip
        sid = {"solution_id": solution.pk}
        cert = CertificationFactory(solution=solution, number=f"MARKcertification{state}")
        cert.evidence.save("e.pdf", ContentFile(b"%PDF-1.4 MARKevidence" + state.encode()))
        pilot = PilotFactory(solution=solution, summary_en=f"MARKpilot{state}")
        kpi = KpiFactory(pilot=pilot, indicator=f"MARKkpi{state}")
        image = SolutionImage.objects.create(
            solution=solution, image="images/x.png", thumbnail="thumbnails/x.png", width=8,
            height=8, format="png", alt_en=f"MARKimage{state}", alt_ko=f"MARKimage{state}",
        )  # fmt: skip
        objects[("solution", state)] = Obj(
            solution, "owner-vendor", public, mark, sid,
            {"reason": "taken over", "name_en": "taken over", "version": solution.version},
        )  # fmt: skip
        objects[("certification", state)] = Obj(
            cert, "owner-vendor", public, cert.number,
            {**sid, "certification_id": cert.pk},
            {f"certification-{cert.pk}-decision": "verified", "type": "gs", "number": "N-1"},
        )  # fmt: skip
        objects[("pilot", state)] = Obj(
            pilot, "owner-vendor", public, pilot.summary_en, {**sid, "pilot_id": pilot.pk},
            {f"pilot-{pilot.pk}-decision": "verified", f"kpi{pilot.pk}-indicator": "taken",
             f"kpi{pilot.pk}-baseline": "1", f"kpi{pilot.pk}-result": "2",
             f"kpi{pilot.pk}-better": "higher", "city": "X", "country": "KR"},
        )  # fmt: skip
        objects[("kpi", state)] = Obj(
            kpi, "owner-vendor", public, kpi.indicator,
            {**sid, "pilot_id": pilot.pk, "kpi_id": kpi.pk},
            {"indicator": "taken", "baseline": "1", "result": "2", "better": "higher"},
        )  # fmt: skip
        objects[("image", state)] = Obj(
            image, "owner-vendor", public, image.alt_en, {**sid, "image_id": image.pk}
        )
    published = objects[("solution", "published")].row
    buyer = orgs["buyer"]
    matches = {}
    for state in ("draft", "published"):
        need = Need.objects.create(
            organisation=buyer, created_by=users["buyer"], category="mobility",
            title_en=f"MARKneed{state}", title_ko=f"MARKneed{state}",
            description_en=f"MARKneed{state}", status=state,
        )  # fmt: skip
        objects[("need", state)] = Obj(
            need, "buyer", False, need.title_en, {"need_id": need.pk},
            {"title_en": "taken over", "category": "mobility"},
        )  # fmt: skip
        matches[f"need-{state}"] = Match.objects.create(
            need=need, solution=published, rank=1, score=0.5, status="shortlisted",
            explanation_en=f"MARKmatchneed{state}", explanation_ko=f"MARKmatchneed{state}",
        )  # fmt: skip
    lead = Lead.objects.create(
        organisation=orgs["agency"], created_by=users["agency"], country="VN",
        title_en="MARKlead", title_ko="MARKlead", description_en="MARKlead",
    )  # fmt: skip
    objects[("lead", "own")] = Obj(lead, "agency", False, "MARKlead", {"lead_id": lead.pk})
    matches["lead"] = Match.objects.create(
        lead=lead, solution=published, rank=1, score=0.5, status="shortlisted",
        explanation_en="MARKmatchlead", explanation_ko="MARKmatchlead",
    )  # fmt: skip
    for state, match in matches.items():
        owner = "agency" if match.lead_id else "buyer"
        objects[("match", state)] = Obj(
            match, owner, False, match.explanation_en, {"match_id": match.pk},
            {f"m{match.pk}-status": "declined", f"m{match.pk}-reason": "taken over",
             f"r{match.pk}-channel": "kepco", f"r{match.pk}-note": "taken over"},
        )  # fmt: skip
        registration = Registration.objects.create(
            match=match, solution=published, organisation=orgs[owner], channel="pps",
            note=f"MARKregistration{state}", created_by=users[owner],
        )  # fmt: skip
        objects[("registration", state)] = Obj(
            registration, owner, False, registration.note,
            {"registration_id": registration.pk, "pk": registration.pk},
            {"status": "submitted", "note": "taken over"},
        )  # fmt: skip
    job = Job.objects.create(
        kind="leads_csv_import", started_by=users["agency"], input_name="MARKjob.csv",
        status=Job.Status.FAILED, error="MARKjoberror",
    )  # fmt: skip
    objects[("job", "failed")] = Obj(job, "agency", False, "MARKjob", {"job_id": job.pk})
    member = UserFactory(organisation=vendor, email="markmember@example.org")
    objects[("member", "-")] = Obj(
        member, "owner-vendor", False, "markmember", {"member_id": member.pk},
        {"is_org_admin": "1"},
    )  # fmt: skip
    pending = OrganisationFactory(
        kind="vendor", status=Organisation.Status.PENDING, name_en="MARKorganisation"
    )
    objects[("organisation", "pending")] = Obj(
        pending, "operator", False, "MARKorganisation", {"organisation_id": pending.pk},
        {"decision": "approve"},
    )  # fmt: skip
    invitation = Invitation.objects.create(
        organisation=vendor, email="markinvited@example.org",
        token=invitation_token_hash(INVITATION_TOKEN), invited_by=users["owner-vendor"],
    )  # fmt: skip
    objects[("invitation", "open")] = Obj(
        invitation, "owner-vendor", False, "markinvited", {"token": INVITATION_TOKEN}
    )
    return users, objects


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _url(route: str, params: dict) -> str:
    path = _PARAM.sub(lambda m: str(params[m.group(1)]), route)
    return "/" + path


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _kind(route: str) -> str:
    return PARAM_KIND[_PARAM.findall(route)[-1]]


def _allowed(role: str, obj: Obj, rule: str, workspace: set[str]) -> bool:
    if role not in workspace:
        return False
    if rule == "public":
        return obj.public or role in (obj.owner, "operator")
    if rule == "owner":
        return role == obj.owner
    if rule == "owner+operator":
        return role in (obj.owner, "operator")
    if rule == "matched":  # the world's matches are all with the owner vendor's solution
        return role == "owner-vendor" and obj.row.status in ("published", "open")
    if rule == "parties":
        return role in (obj.owner, "owner-vendor", "operator")
    return role == "operator"


def _fingerprint(obj: Obj) -> dict | None:
    row = type(obj.row).objects.filter(pk=obj.row.pk).first()
    return None if row is None else model_to_dict(row, exclude=["evidence", "image", "thumbnail"])


def _call(client: Client, method: str, url: str, body: dict):
    if method == "post":
        return client.post(url, body)
    return client.get(url)


def _refused_as_expected(role: str, response) -> bool:
    if response.status_code in (403, 404) or (role == "anonymous" and response.status_code == 401):
        return True
    location = response.get("Location", "")
    return role == "anonymous" and response.status_code == 302 and settings.LOGIN_URL in location


ADMIN_CHECKED: list[int] = []
OBJECT_ROUTES = sorted(
    route for route, (rule, _w, _m) in {**EXPECTED, **EXPORTS}.items() if rule not in ("open",
                                                                                       "token")
)  # fmt: skip
CHECKED: dict[str, tuple[int, int]] = {}  # route -> (refused, allowed) cases, for the summary


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_no_page_shows_or_changes_another_organisations_object(world, route):
    users, objects = world
    rule, workspace, methods = {**EXPECTED, **EXPORTS}[route]
    kind = _kind(route)
    states = sorted(state for (k, state) in objects if k == kind)
    assert states, f"the world has no {kind}"
    refused = allowed = 0
    for role in ROLES:
        client = _client(users[role])
        for method in methods:
            missing = _url(route, {name: MISSING_ID for name in PARAM_KIND})
            unknown = _call(client, method, missing, {}).status_code
            for state in states:
                obj = objects[(kind, state)]
                url = _url(route, obj.params)
                where = f"{method.upper()} {url} as {role} on the {state} {kind}"
                if _allowed(role, obj, rule, workspace):
                    allowed += 1
                    if method == "get":  # the case can fail: the owner really sees it
                        response = client.get(url)
                        assert response.status_code == 200, f"{where}: {response.status_code}"
                    continue
                before = _fingerprint(obj)
                response = _call(client, method, url, obj.body)
                refused += 1
                assert _refused_as_expected(role, response), f"{where}: {response.status_code}"
                if not obj.public:  # a private object is not told apart from a made-up id
                    assert response.status_code == unknown, f"{where}: {response.status_code}"
                assert obj.marker not in _body(response), f"{where} shows {obj.marker}"
                assert _fingerprint(obj) == before, f"{where} changed it"
    assert refused, f"{route}: nobody was refused"
    CHECKED[route] = (refused, allowed)


def test_owners_see_their_objects_on_their_pages(world):
    """The matrix can fail: the same client that is refused elsewhere sees its own object."""
    users, objects = world
    seen = {
        ("owner-vendor", f"/workspace/vendor/solutions/{objects[('solution', 'draft')].row.pk}/"):
            "MARKsolutiondraft",
        ("buyer", f"/workspace/buyer/needs/{objects[('need', 'draft')].row.pk}/"): "MARKneeddraft",
        ("agency", f"/workspace/agency/leads/{objects[('lead', 'own')].row.pk}/"): "MARKlead",
        ("buyer", f"/workspace/registrations/{objects[('registration', 'need-draft')].row.pk}/"):
            "MARKneeddraft",
        ("agency", f"/jobs/{objects[('job', 'failed')].row.pk}/"): "MARKjob",
        ("operator", f"/workspace/review/solutions/{objects[('solution', 'submitted')].row.pk}/"):
            "MARKsolutionsubmitted",
    }  # fmt: skip
    for (role, url), marker in seen.items():
        response = _client(users[role]).get(url)
        assert response.status_code == 200 and marker in _body(response), (role, url)


def test_an_invitation_is_reached_only_by_its_token(world):
    users, objects = world
    invitation = objects[("invitation", "open")]
    for role in ROLES:
        client = _client(users[role])
        guesses = (
            INVITATION_TOKEN[:-1], INVITATION_TOKEN + "x", INVITATION_TOKEN.upper(),
            invitation.row.token, str(invitation.row.pk),  # the stored hash is no link either
        )  # fmt: skip
        for guess in guesses:
            for method in ("get", "post"):
                response = _call(client, method, f"/invitations/{guess}/", {})
                assert response.status_code == 404, (role, guess, method)
                assert "markinvited" not in _body(response)
    assert invitation.row.accepted_at is None
    assert _client(None).get(f"/invitations/{INVITATION_TOKEN}/").status_code == 200


def test_the_admin_refuses_every_object_page_to_people_who_are_not_staff(world):
    """No role is staff here (operators work in the workspace): each admin object page is a
    sign-in redirect, for existing objects of every kind."""
    users, objects = world
    ids = {
        "catalogue/solution": objects[("solution", "draft")].row.pk,
        "catalogue/certification": objects[("certification", "draft")].row.pk,
        "catalogue/pilot": objects[("pilot", "draft")].row.pk,
        "catalogue/organisation": objects[("organisation", "pending")].row.pk,
        "catalogue/user": objects[("member", "-")].row.pk,
        "catalogue/solutionimage": objects[("image", "draft")].row.pk,
        "matching/need": objects[("need", "draft")].row.pk,
        "matching/lead": objects[("lead", "own")].row.pk,
        "matching/match": objects[("match", "need-draft")].row.pk,
        "matching/registration": objects[("registration", "need-draft")].row.pk,
        "jobs/job": objects[("job", "failed")].row.pk,
    }
    routes = admin_object_routes()
    assert len(routes) > 20
    checked = 0
    for role in ROLES:
        client = _client(users[role])
        for route in routes:
            model = route.removeprefix("admin/").split("/<")[0]
            url = "/" + route.replace("<path:object_id>", str(ids.get(model, 1)))
            url = url.replace("<path:content_type_id>", "1")
            response = client.get(url)
            assert response.status_code == 302, (role, url, response.status_code)
            assert "/admin/login/" in response["Location"], (role, url)
            checked += 1
    ADMIN_CHECKED.append(checked)


def test_evidence_url_is_given_to_its_vendor_and_operators_only(world):
    """The API names the evidence file (served from MEDIA_ROOT by its random name) only to the
    people who may open it; everybody else gets null, not a link that bypasses the check."""
    from rest_framework.test import APIClient

    users, objects = world
    cert = objects[("certification", "published")].row
    solution = objects[("solution", "published")].row
    for role in ROLES:
        client = APIClient()
        if users[role] is not None:
            client.force_authenticate(users[role])
        shown = [
            client.get(f"/api/v1/certifications/{cert.pk}/").json()["evidence"],
            client.get(f"/api/v1/solutions/{solution.pk}/").json()["certifications"][0]["evidence"],
            client.get(f"/api/v1/solutions/{solution.pk}/certifications/").json()[0]["evidence"],
        ]
        if role in ("owner-vendor", "operator"):
            assert all(url and cert.evidence.name in url for url in shown), (role, shown)
        else:
            assert shown == [None, None, None], (role, shown)


def test_zz_matrix_size(world):
    """How many (route, role, state, method) cases the matrix above checked."""
    if len(CHECKED) < len(OBJECT_ROUTES) or not ADMIN_CHECKED:
        pytest.skip("run with the whole module to count the cases")
    refused = sum(r for r, _a in CHECKED.values())
    allowed = sum(a for _r, a in CHECKED.values())
    print(
        f"\npage matrix: {len(OBJECT_ROUTES)} object routes x {len(ROLES)} roles x states x"
        f" methods = {refused} refused + {allowed} allowed cases; admin: {ADMIN_CHECKED[0]}"
    )
    assert refused >= 700 and allowed >= 100
