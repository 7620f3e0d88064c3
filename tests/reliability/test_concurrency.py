"""Real threads colliding on PostgreSQL: stale edits, parallel matchers, imports during searches.

Each thread has its own database connection (closed when it ends) and a barrier releases them
together, so the row locks and unique constraints are what keeps the data right, not luck.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalogue import exchange
from catalogue.models import Invitation, Organisation, ReviewEvent, Solution, User
from catalogue.services import organisations as org_services
from matching import services as matching
from matching.models import Lead, Match, MatchEvent, Need
from matching.selectors import forget_profiles
from search import indexing
from search.backends import get_backend
from tests.factories import (
    CertificationFactory,
    OrganisationFactory,
    SolutionFactory,
    UserFactory,
    parking_need,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite has no row locks and its "
        "in-memory test database answers parallel writers 'database table is locked'",
    ),
]

ROUNDS = 8  # collisions per test: a missing lock shows up in some round, not necessarily the first


def together(*calls: Callable[[], object], timeout: float = 120) -> list[tuple[str, object]]:
    """Run ``calls`` in threads released at once; ``("ok", result)`` or ``("error", exception)``."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object] | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test, which asserts
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return outcomes  # type: ignore[return-value]


def errors_of(outcomes) -> list[BaseException]:
    return [value for kind, value in outcomes if kind == "error"]


def results_of(outcomes) -> list:
    errors = errors_of(outcomes)
    assert not errors, errors
    return [value for _, value in outcomes]


@pytest.fixture
def vendor_org(db):
    return OrganisationFactory(kind="vendor")


def published(**fields) -> Solution:
    return SolutionFactory(status=Solution.Status.PUBLISHED, published_at=timezone.now(), **fields)


# --- 1. two editors, one solution ---------------------------------------------------------------


def patch(user, solution_id: int, body: dict, if_match: int | None = None):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        headers = {"HTTP_IF_MATCH": f'"{if_match}"'} if if_match is not None else {}
        response = client.patch(f"/api/v1/solutions/{solution_id}/", body, format="json", **headers)
        answer = response.json()
        if response.status_code == 200:  # the ETag names the version the body shows
            assert response["ETag"] == f'"{answer["version"]}"', (response["ETag"], answer)
        return response.status_code, answer

    return call


@pytest.mark.parametrize("via", ["if-match", "version-field"])
def test_two_editors_of_one_version_one_wins_the_other_gets_409(vendor_org, via):
    alice = UserFactory(organisation=vendor_org, is_org_admin=True)
    bob = UserFactory(organisation=vendor_org)
    solution = published(vendor=vendor_org)
    for round_ in range(ROUNDS):
        seen = Solution.objects.get(pk=solution.pk).version  # both loaded this version
        edits = {
            alice: {"name_en": f"Alice's name {round_}"},
            bob: {"name_en": f"Bob's name {round_}"},
        }
        calls = []
        for user, body in edits.items():
            if via == "if-match":
                calls.append(patch(user, solution.pk, body, if_match=seen))
            else:
                calls.append(patch(user, solution.pk, {**body, "version": seen}))
        outcomes = results_of(together(*calls))
        statuses = sorted(status for status, _ in outcomes)
        assert statuses == [200, 409], outcomes
        winner = next(body for status, body in outcomes if status == 200)
        loser = next(body for status, body in outcomes if status == 409)
        assert loser["current_version"] == seen + 1
        current = Solution.objects.get(pk=solution.pk)
        assert current.version == seen + 1
        assert current.name_en == winner["name_en"]  # the database holds the winner's edit
        assert winner["version"] == seen + 1
    updates = solution.history.filter(history_change_reason="update")
    assert updates.count() == ROUNDS  # one recorded edit per round, none lost, none doubled


def test_two_editors_without_a_version_both_apply_and_neither_edit_is_lost(vendor_org):
    """Without If-Match the edits queue on the row lock: a partial edit never undoes another."""
    alice = UserFactory(organisation=vendor_org, is_org_admin=True)
    bob = UserFactory(organisation=vendor_org)
    solution = published(vendor=vendor_org)
    for round_ in range(ROUNDS):
        before = Solution.objects.get(pk=solution.pk).version
        outcomes = results_of(
            together(
                patch(alice, solution.pk, {"name_en": f"Name {round_}"}),
                patch(bob, solution.pk, {"summary_en": f"Summary {round_}"}),
            )
        )
        assert [status for status, _ in outcomes] == [200, 200], outcomes
        current = Solution.objects.get(pk=solution.pk)
        assert (current.name_en, current.summary_en) == (f"Name {round_}", f"Summary {round_}")
        assert current.version == before + 2
        # Each answer shows the row as it was after that edit committed (maybe after both).
        assert {body["version"] for _, body in outcomes} <= {before + 1, before + 2}


# --- 2. two workers matching one need -----------------------------------------------------------


@pytest.fixture
def catalogue_indexed(db):
    """Twelve published parking products (some certified) in a fresh tantivy index."""
    forget_profiles()  # a process-wide cache: start clean, as tests/matching does
    solutions = [
        published(name_en=f"Smart parking guidance {n}", name_ko=f"주차 안내 {n}")
        for n in range(12)
    ]
    for solution in solutions[::2]:
        CertificationFactory(solution=solution, valid_until=dt.date(2030, 12, 31))
    get_backend().rebuild(indexing.iter_documents())
    return solutions


def one_match_per_solution(**target) -> list[Match]:
    rows = list(Match.objects.filter(**target))
    counts = Counter(m.solution_id for m in rows)
    assert rows and max(counts.values()) == 1, counts
    return rows


def test_two_workers_matching_one_need_store_one_match_per_solution(
    catalogue_indexed, municipality_user
):
    need = parking_need(municipality_user.organisation)
    for _ in range(ROUNDS):
        Match.objects.filter(need=need).delete()
        results = results_of(
            together(*[lambda: matching.need_match(need=Need.objects.get(pk=need.pk))] * 3)
        )
        rows = one_match_per_solution(need=need)
        assert all(len(r) == len(rows) for r in results)  # every worker answered the same list


def test_matching_again_in_parallel_keeps_the_decisions_people_made(
    catalogue_indexed, municipality_user
):
    need = parking_need(municipality_user.organisation)
    first = matching.need_match(need=need)
    assert len(first) >= 3
    shortlisted, declined, moving = first[0], first[1], first[2]
    matching.match_set_status(match=shortlisted, status="shortlisted", user=municipality_user)
    matching.match_set_status(
        match=declined, status="declined", user=municipality_user, reason="No local support."
    )
    flip = {"suggested": "shortlisted", "shortlisted": "suggested"}

    def buyer_decides(times: int = 5) -> str:
        """The buyer changes their mind several times while the workers re-match."""
        for _ in range(times):
            match = Match.objects.get(pk=moving.pk)
            matching.match_set_status(
                match=match, status=flip[match.status], user=municipality_user
            )
        return Match.objects.get(pk=moving.pk).status

    for round_ in range(ROUNDS):
        # A product published meanwhile: both workers find it, only one may insert its match.
        newcomer = published(name_en=f"Smart parking guidance plus {round_}")
        indexing.sync_solutions([newcomer.pk])
        outcomes = together(
            lambda: matching.need_match(need=Need.objects.get(pk=need.pk)),
            lambda: matching.need_match(need=Need.objects.get(pk=need.pk)),
            buyer_decides,
        )
        decided = results_of(outcomes)[2]
        rows = one_match_per_solution(need=need)
        assert newcomer.pk in {m.solution_id for m in rows}
        statuses = dict(Match.objects.filter(need=need).values_list("pk", "status"))
        assert statuses[shortlisted.pk] == "shortlisted"
        assert statuses[declined.pk] == "declined"
        assert statuses[moving.pk] == decided == ("shortlisted" if round_ % 2 == 0 else "suggested")
    assert MatchEvent.objects.filter(match=moving).count() == ROUNDS * 5
    assert Match.objects.get(pk=declined.pk).decline_reason == "No local support."


def test_two_batch_matching_jobs_at_once_store_one_match_per_need_and_lead(
    catalogue_indexed, municipality_user, agency_user
):
    needs = [parking_need(municipality_user.organisation) for _ in range(3)]
    lead = Lead.objects.create(
        organisation=agency_user.organisation,
        country="VN",
        title_en="Smart parking guidance for Da Nang",
        description_en="Guide drivers to free parking spaces.",
        category="mobility",
        status=Lead.Status.OPEN,
    )
    for _ in range(3):
        counts = results_of(together(matching.match_all, matching.match_all))
        assert counts[0] == counts[1]
        for need in needs:
            one_match_per_solution(need=need)
        one_match_per_solution(lead=lead)


@pytest.mark.skipif(
    bool(settings.REDIS_URL),
    reason="RQ workers install signal handlers, which only the main thread may do; the "
    "database queue is what this runs two worker threads on",
)
def test_two_job_workers_run_each_batch_matching_job_once(
    catalogue_indexed, municipality_user, operator_user
):
    from jobs.models import Job
    from jobs.services import job_create
    from jobs.worker import run_worker

    need = parking_need(municipality_user.organisation)
    jobs = [job_create(kind="match_all", actor=operator_user) for _ in range(4)]
    results_of(together(*[lambda: run_worker(burst=True, interval=0)] * 2))
    for job in Job.objects.filter(pk__in=[j.pk for j in jobs]):
        assert (job.status, job.attempts) == ("done", 1), (job.status, job.error)
        assert job.result["needs"] == 1
    one_match_per_solution(need=need)


# --- 3. an import while buyers search -----------------------------------------------------------


def named_document(prefix: str, count: int, word: str, summary: str) -> dict:
    return {
        "format": "smartcity-exchange/1",
        "vendors": [{"id": "v-1", "name": {"en": "Vendor One", "ko": "벤더 원"}, "country": "KR"}],
        "solutions": [
            {
                "id": f"{prefix}-{n}",
                "vendor": "v-1",
                "name": {"en": f"{word} bin {n}", "ko": f"쓰레기통 {n}"},
                "summary": {"en": summary, "ko": "적재량 감지 쓰레기통"},
                "category": "waste",
            }
            for n in range(count)
        ],
    }


def test_searches_stay_correct_while_an_import_commits(settings):
    settings.LANGUAGE_CODE = "en"
    old, new = 8, 120
    exchange.import_document(named_document("a", old, "Walrus", "Fill-level sensing bins"))
    assert indexing.check().clean
    # The second document rewrites the eight (new summary) and brings 120 more.
    document = named_document("a", old, "Walrus", "Fill-level sensing bins, solar powered")
    document["solutions"] += named_document("b", new, "Zebra", "Bins")["solutions"]

    importing, imported = threading.Event(), threading.Event()
    seen: dict[str, Counter] = {"walrus": Counter(), "zebra": Counter()}
    during, failures = [0], []

    def do_import():
        importing.set()
        try:
            return exchange.import_document(document)
        finally:
            imported.set()

    def search():
        client = Client()
        after = 0
        while after < 5:  # keep going a little after the import, to see its result
            if imported.is_set():
                after += 1
            running = importing.is_set() and not imported.is_set()
            for word, expected in (("walrus", {old}), ("zebra", {0, new})):
                response = client.get("/api/v1/search/solutions/", {"q": word, "page_size": 50})
                if response.status_code != 200:
                    failures.append((word, response.status_code, response.content[:300]))
                    continue
                body = response.json()
                names = [hit["name"]["en"] for hit in body["results"]]
                if (
                    body["total"] not in expected
                    or len(names) != min(body["total"], 50)
                    or any(word not in name.lower() for name in names)
                ):
                    failures.append((word, body["total"], names[:3]))
                seen[word][body["total"]] += 1
            during[0] += running and not imported.is_set()

    outcomes = together(do_import, search, search, search)
    report = results_of(outcomes)[0]
    assert failures == [], failures[:5]
    assert report.created["solutions"] == new and report.updated["solutions"] == old
    assert during[0] > 0, "no search ran while the import was in progress"
    assert seen["zebra"][new] > 0 and seen["walrus"][old] > 0
    out = io.StringIO()
    call_command("search_index", "check", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"missing": [], "stale": [], "extra": [], "pending": []}
    assert Solution.objects.published().count() == old + new


# --- 4. two operators, or two tabs, deciding the same thing at once ------------------------------


def approve(pk: int, by):
    return lambda: org_services.organisation_approve(
        organisation=Organisation.objects.get(pk=pk), by=by
    )


def test_two_operators_approving_one_organisation_approve_it_once(operator_user):
    other_operator = UserFactory(organisation=operator_user.organisation)
    for _ in range(ROUNDS):
        pending = OrganisationFactory(kind="vendor", status=Organisation.Status.PENDING)
        outcomes = together(approve(pending.pk, operator_user), approve(pending.pk, other_operator))
        assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
        (error,) = errors_of(outcomes)
        assert isinstance(error, ValidationError) and re.search(
            "already approved|이미 승인", str(error)
        )
        winner = next(value for kind, value in outcomes if kind == "ok")
        pending.refresh_from_db()
        assert pending.status == Organisation.Status.APPROVED
        assert pending.approved_by == winner.approved_by
        assert pending.history.filter(history_change_reason="approved").count() == 1


def accept(token: str, user_id: int):
    return lambda: org_services.invitation_accept(token=token, user=User.objects.get(pk=user_id))


def test_one_invitation_accepted_from_two_tabs_at_once_is_used_once(vendor_org, mailoutbox):
    admin = UserFactory(organisation=vendor_org, is_org_admin=True)
    for round_ in range(ROUNDS):
        email = f"newcomer{round_}@example.org"
        org_services.invitation_create(organisation=vendor_org, email=email, by=admin)
        (token,) = re.findall(r"/invitations/([^/\s]+)/", mailoutbox[-1].body)
        newcomer = UserFactory(organisation=None, email=email)
        outcomes = together(accept(token, newcomer.pk), accept(token, newcomer.pk))
        assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
        (error,) = errors_of(outcomes)
        assert isinstance(error, ValidationError) and re.search("already|이미 사용", str(error))
        newcomer.refresh_from_db()
        assert newcomer.organisation_id == vendor_org.pk and not newcomer.is_org_admin
        invitation = Invitation.objects.get(email=email)
        assert invitation.accepted_at is not None


def verify(user, certification_id: int, **decision):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(
            f"/api/v1/certifications/{certification_id}/verify/",
            decision or {"decision": "verified"},
            format="json",
        )
        return response.status_code, response.json()

    return call


def test_two_operators_verifying_one_certification_decide_it_once(operator_user, vendor_org):
    other_operator = UserFactory(organisation=operator_user.organisation)
    for _ in range(ROUNDS):
        cert = CertificationFactory(solution=published(vendor=vendor_org))
        outcomes = results_of(
            together(verify(operator_user, cert.pk), verify(other_operator, cert.pk))
        )
        assert sorted(status for status, _ in outcomes) == [200, 409], outcomes
        loser = next(body for status, body in outcomes if status == 409)
        assert re.search("already verified|이미 검증됨", loser["detail"])
        cert.refresh_from_db()
        assert cert.verification == "verified"
        events = ReviewEvent.objects.filter(target=f"certification:{cert.pk}")
        assert [(e.action, e.actor_id) for e in events] == [("verify", cert.verified_by_id)]


def test_one_operator_verifying_while_another_rejects_is_not_a_silent_override(
    operator_user, vendor_org
):
    other_operator = UserFactory(organisation=operator_user.organisation)
    seen = {"expected": "pending"}
    for _ in range(ROUNDS):
        cert = CertificationFactory(solution=published(vendor=vendor_org))
        outcomes = results_of(
            together(
                verify(operator_user, cert.pk, decision="verified", **seen),
                verify(other_operator, cert.pk, decision="rejected", note="Forged.", **seen),
            )
        )
        assert sorted(status for status, _ in outcomes) == [200, 409], outcomes
        winner = next(body for status, body in outcomes if status == 200)
        cert.refresh_from_db()
        assert cert.verification == winner["verification"]
        events = ReviewEvent.objects.filter(target=f"certification:{cert.pk}")
        action = {"verified": "verify", "rejected": "reject"}[winner["verification"]]
        assert [e.action for e in events] == [action]
