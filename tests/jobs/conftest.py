"""Job fixtures: run the queue in this process, in the configured mode (database or Redis)."""

import pytest
from django.conf import settings
from django.db import connection

from jobs.worker import run_worker


@pytest.fixture
def drain(db):
    """``drain()``: send pending on-commit enqueues, then run every queued job to its end."""

    def run():
        # The test's transaction never commits: hand the queued on-commit enqueues over now.
        while connection.run_on_commit:
            _, callback, _ = connection.run_on_commit.pop(0)
            callback()
        run_worker(burst=True, interval=0)

    return run


@pytest.fixture(autouse=True)
def _empty_redis_queue():
    """In Redis mode, start each test with an empty queue (tests share one Redis)."""
    if settings.REDIS_URL:
        import django_rq

        django_rq.get_queue(settings.JOBS_QUEUE).empty()
    yield


@pytest.fixture(scope="session")
def migrated_site(tmp_path_factory):
    """A migrated site with an operator ``op`` and an agency user ``agent``, to copy from."""
    from tests.jobs.procs import Site

    template = Site(tmp_path_factory.mktemp("template-site"))
    template.manage("migrate", "--noinput", timeout=300)
    template.manage(
        "shell", "-c",
        "from tests.factories import *; "
        "UserFactory(username='op', organisation=OrganisationFactory(kind='operator')); "
        "UserFactory(username='agent', organisation=OrganisationFactory(kind='agency'))",
    )  # fmt: skip
    yield template
    template.close()


@pytest.fixture
def make_site(migrated_site, tmp_path):
    """``make_site(name, **env)``: a copy of the migrated site; its processes end after the test."""
    from tests.jobs.procs import Site

    made = []

    def make(name: str = "site", **env):
        site = Site(tmp_path / name, template=migrated_site, **env)
        made.append(site)
        return site

    yield make
    for site in made:
        site.close()
