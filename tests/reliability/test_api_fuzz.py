"""schemathesis against the project's own OpenAPI schema, in-process through the WSGI app.

Every operation is fuzzed once anonymous and once as each role (token authentication),
with a bounded, derandomised number of examples: no 5xx, every response as documented.
"""

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance

from catalogue.models import Solution
from config.wsgi import application
from search import indexing
from tests.factories import OrganisationFactory, SolutionFactory, UserFactory

MAX_EXAMPLES = 4
ROLES = ("anonymous", "vendor", "municipality", "agency", "operator")

CALLS: Counter = Counter()  # examples tried per role, printed at the end of the session

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def _same_connection():
    # The WSGI handler closes "old" connections around each request; inside the test's
    # transaction that would drop it, so (like Django's test client) keep it open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(request, db):
    """Some solutions in every state, and the role's token header (none when anonymous)."""
    role = request.node.callspec.params["role"]
    vendor_org = OrganisationFactory(kind="vendor")
    for status in Solution.Status.values:
        SolutionFactory(vendor=vendor_org, status=status)
    indexing.rebuild()  # the index holds what the database publishes, as in a running site
    if role == "anonymous":
        return {}
    org = vendor_org if role == "vendor" else OrganisationFactory(kind=role)
    user = UserFactory(organisation=org, is_org_admin=True, is_staff=role == "operator")
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_never_errors_and_answers_as_documented(
    case, role, auth_headers, _same_connection
):
    CALLS[role] += 1
    case.call_and_validate(
        headers=auth_headers, checks=[not_a_server_error, response_schema_conformance]
    )


@pytest.fixture(autouse=True, scope="module")
def _report_examples(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and CALLS:
        reporter.write_line(f"schemathesis examples tried per role: {dict(CALLS)}")
    if CALLS and os.environ.get("FUZZ_COUNTS_FILE"):  # xdist workers have no terminal
        with open(os.environ["FUZZ_COUNTS_FILE"], "a") as out:
            out.write(json.dumps(dict(CALLS)) + "\n")
