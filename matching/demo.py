"""Demo needs and export leads, posted by the demo users so that matching shows on first run.

``manage.py load_demo`` calls ``load_demo_opportunities`` (through its command) after the
catalogue and the search index are in: each need is posted and published by its municipality
and each lead entered by the export agency through the services, so every one is matched the
way a real one is. Deadlines are counted from the day the demo is loaded. Idempotent: a need
or lead the organisation already has (same English title) is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalogue.models import User

from . import registrations, services
from .models import Lead, Match, Need


@dataclass(frozen=True)
class DemoOpportunity:
    owner: str  # the demo user's e-mail
    days_to_deadline: int
    data: dict
    # Shortlist the best compliant candidate and open a draft registration in this channel,
    # so that the demo also shows a procurement registration under way.
    registration_channel: str = ""


DEMO_NEEDS = (
    DemoOpportunity(
        owner="county@demo.example",
        days_to_deadline=120,
        data={
            "title_ko": "계곡 캠핑장 급류 조기 경보",
            "title_en": "Early flash-flood warning for valley campsites",
            "description_ko": (
                "여름철 소하천 상류에 비가 집중되면 하류 캠핑장까지 물이 불어나는 데 20분이 "
                "채 걸리지 않습니다. 상류 수위를 실시간으로 재고, 기준을 넘으면 캠핑장 "
                "관리인과 이용객 휴대전화, 현장 사이렌으로 바로 알리는 체계가 필요합니다. "
                "통신이 약한 산간 지역에서도 동작해야 합니다."
            ),
            "description_en": (
                "When rain concentrates upstream in summer, small streams can flood the "
                "campsites below in under twenty minutes. We need real-time water-level "
                "measurement upstream and immediate alerts to site managers, campers' phones "
                "and on-site sirens once a threshold is crossed, working in mountain valleys "
                "with weak mobile coverage."
            ),
            "category": "water",
            "budget_max": 90_000_000,
            "budget_currency": "KRW",
            "required_certifications": [],
            "procurement_method": "negotiated",
        },
    ),
    DemoOpportunity(
        owner="county@demo.example",
        days_to_deadline=75,
        data={
            "title_ko": "홀로 사는 어르신 일상 안부 확인",
            "title_en": "Daily wellbeing checks for older residents living alone",
            "description_ko": (
                "면 지역 독거 어르신이 1,800명을 넘었고 생활지원사 한 명이 30명 이상을 "
                "돌봅니다. 전기 사용량이나 전화 응답으로 이상 징후를 먼저 알려 주어 방문이 "
                "필요한 가구를 골라낼 수 있는 서비스를 찾습니다. 소프트웨어 품질 인증(GS)을 "
                "받은 서비스여야 합니다."
            ),
            "description_en": (
                "More than 1,800 older residents live alone in our townships and each care "
                "worker looks after over thirty of them. We want a service that flags unusual "
                "patterns first, from power use or answered calls, so that visits go to the "
                "households that need them. The service must hold GS software-quality "
                "certification."
            ),
            "category": "welfare",
            "budget_max": 60_000_000,
            "budget_currency": "KRW",
            "required_certifications": ["gs"],
            "procurement_method": "digital-mall",
        },
    ),
    DemoOpportunity(
        owner="metro@demo.example",
        days_to_deadline=150,
        data={
            "title_ko": "간선급행버스 교차로 우선신호",
            "title_en": "Signal priority for rapid buses at junctions",
            "description_ko": (
                "간선급행버스 두 개 노선의 교차로 48곳에서 지연된 버스에 녹색 신호를 "
                "연장해 정시성을 높이려 합니다. 기존 신호제어기와 교통정보센터에 붙여 쓸 수 "
                "있어야 하고, 교차 방향 차량의 지체 변화를 함께 보고해야 합니다."
            ),
            "description_en": (
                "We want to extend green phases for late buses at 48 junctions on two "
                "bus-rapid-transit lines to improve punctuality. The system must work with the "
                "existing signal controllers and traffic information centre, and report the "
                "change in delay for cross traffic as well."
            ),
            "category": "mobility",
            "budget_max": 800_000_000,
            "budget_currency": "KRW",
            "required_certifications": ["pps-innovation"],
            "procurement_method": "innovation-product",
        },
        registration_channel="pps-innovation",
    ),
)

DEMO_LEADS = (
    DemoOpportunity(
        owner="agency@demo.example",
        days_to_deadline=90,
        data={
            "source": "adb",
            "url": "https://example.org/demo/leads/can-tho-flood-warning",
            "country": "VN",
            "city": "Can Tho",
            "buyer": "Can Tho City Department of Construction (demo)",
            "title_en": "Urban canal flood monitoring and public warning",
            "description_en": (
                "A loan-financed resilience programme seeks water-level sensors on urban "
                "canals, a warning platform and siren and SMS alerts for low-lying districts, "
                "with training for city staff."
            ),
            "category": "water",
            "budget_max": 2_800_000,
            "budget_currency": "USD",
            "financing": "mdb",
            "required_certifications": [],
        },
    ),
    DemoOpportunity(
        owner="agency@demo.example",
        days_to_deadline=130,
        data={
            "source": "world-bank",
            "url": "https://example.org/demo/leads/lima-bus-corridors",
            "country": "PE",
            "city": "Lima",
            "buyer": "Metropolitan transport authority (demo)",
            "title_en": "Bus corridor signal priority and punctuality monitoring",
            "description_en": (
                "Adaptive traffic signals with priority for buses on three trunk corridors, "
                "connected to the control centre, with monthly punctuality reporting."
            ),
            "category": "mobility",
            "budget_max": 9_500_000,
            "budget_currency": "USD",
            "financing": "mdb",
            "required_certifications": [],
        },
    ),
    DemoOpportunity(
        owner="agency@demo.example",
        days_to_deadline=60,
        data={
            "source": "kotra",
            "url": "https://example.org/demo/leads/surabaya-waste-collection",
            "country": "ID",
            "city": "Surabaya",
            "buyer": "City environment office (demo)",
            "title_en": "Pilot of sensor-based waste bin collection",
            "description_en": (
                "A one-year pilot of fill-level sensors on public bins and route planning "
                "for collection trucks in two districts, with a view to city-wide rollout."
            ),
            "category": "waste",
            "budget_max": 650_000,
            "budget_currency": "USD",
            "financing": "government",
            "required_certifications": [],
        },
    ),
)


def _owner(email: str) -> User | None:
    return User.objects.select_related("organisation").filter(email__iexact=email).first()


@transaction.atomic
def load_demo_opportunities(today: dt.date | None = None) -> list[str]:
    """Post, publish and match the demo needs and leads that are not there yet; report lines."""
    today = today or timezone.localdate()
    lines = []
    for kind, model, items in (("needs", Need, DEMO_NEEDS), ("leads", Lead, DEMO_LEADS)):
        created = 0
        for item in items:
            user = _owner(item.owner)
            if user is None or user.organisation is None:
                continue
            title = item.data["title_en"]
            if model.objects.filter(organisation=user.organisation, title_en=title).exists():
                continue
            data = {**item.data, "deadline": today + dt.timedelta(days=item.days_to_deadline)}
            if model is Need:
                target = services.need_create(user=user, data=data)
                services.need_publish(user=user, need=target)
            else:
                target = services.lead_create(user=user, data=data)
            if item.registration_channel:
                _start_registration(user, target, item.registration_channel)
            created += 1
        lines.append(f"demo {kind}: {created} posted and matched, {len(items) - created} there")
    return lines


def _start_registration(user, target: Need | Lead, channel: str) -> None:
    """Shortlist the target's best candidate that meets its terms and open a draft registration."""
    field = "need" if isinstance(target, Need) else "lead"
    best = (
        Match.objects.filter(**{field: target}, compliant=True, stale=False)
        .order_by("-score", "id")
        .first()
    )
    if best is None:
        return
    services.match_set_status(match=best, status=Match.Status.SHORTLISTED, user=user)
    registrations.registration_open(
        user=user,
        match=best,
        channel=channel,
        note="Demo: opened from the shortlist; complete the checklist, then submit.",
    )
