"""Reads for the workspace pages."""

import pytest
from django.utils import translation

from catalogue import selectors
from catalogue.services import solutions as services
from tests.factories import CertificationFactory, PilotFactory, SolutionFactory

pytestmark = pytest.mark.django_db


def test_review_events_name_the_evidence_they_are_about(operator_user, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    cert = CertificationFactory(solution=solution, type="gs")
    pilot = PilotFactory(solution=solution, city="Daejeon")
    gone = CertificationFactory(solution=solution, type="kc")
    for evidence, verify in ((cert, "certification"), (gone, "certification"), (pilot, "pilot")):
        getattr(services, f"{verify}_verify")(
            user=operator_user, **{verify: evidence}, decision="verified"
        )
    services.certification_delete(user=vendor_user, certification=gone)
    with translation.override("en"):
        labels = [e.target_label for e in selectors.review_events(solution=solution)]
        assert labels == ["pilot in Daejeon", "a removed certification", cert.get_type_display()]
    with translation.override("ko"):
        labels = [e.target_label for e in selectors.review_events(solution=solution)]
    assert labels[:2] == ["Daejeon 실증", "삭제된 인증"]
