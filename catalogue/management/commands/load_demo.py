"""``manage.py load_demo``: the demo catalogue plus one approved demo user per role (idempotent).

The demo's dates (certification validity, pilot periods) were written for ``DEMO_AS_OF``; they
are moved by whole months to the month the demo is loaded in, so that a demo loaded years later
still shows what it was written to show: some certifications expired, some expiring within 90
days, most valid for years.
"""

import calendar
import datetime as dt
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, no_translations
from django.db import transaction
from django.utils import timezone

from catalogue.exchange import import_document, load_document
from catalogue.models import Organisation, User

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo-catalogue.json"
DEMO_PASSWORD = "demo-smartcity-2026"
DEMO_VENDOR_ID = "v-demo-01"
DEMO_AS_OF = dt.date(2026, 11, 1)  # the month the demo's dates were written for
DEMO_DATE_KEYS = {"certifications": ("valid_from", "valid_until"), "pilots": ("start", "end")}


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s (negative when earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


def shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``; a month's last day stays the last day (Jan 31 -> Feb 28)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return dt.date(year, month, last if at_end else min(day.day, last))


def shift_demo_dates(document: dict, months: int) -> dict:
    """The demo document with its certification and pilot dates moved by ``months`` (in place)."""
    if months:
        for solution in document.get("solutions", []):
            for section, keys in DEMO_DATE_KEYS.items():
                for item in solution.get(section, []):
                    for key in keys:
                        if item.get(key):
                            day = shift_months(dt.date.fromisoformat(item[key]), months)
                            item[key] = day.isoformat()
    return document


# (e-mail, organisation kind, English name, Korean name, extra organisation fields)
DEMO_PEOPLE = [
    (
        "operator@demo.example",
        Organisation.Kind.OPERATOR,
        "Smart City Exchange Operations",
        "스마트시티 익스체인지 운영팀",
        {},
    ),
    ("vendor@demo.example", Organisation.Kind.VENDOR, None, None, {}),
    (
        "county@demo.example",
        Organisation.Kind.MUNICIPALITY,
        "Hwasun County",
        "화순군",
        {"tier": "county", "population": 62000},
    ),
    (
        "metro@demo.example",
        Organisation.Kind.MUNICIPALITY,
        "Daejeon Metropolitan City",
        "대전광역시",
        {"tier": "metropolitan", "population": 1440000},
    ),
    (
        "agency@demo.example",
        Organisation.Kind.AGENCY,
        "Smart City Overseas Expansion Desk",
        "스마트시티 해외진출 지원단",
        {},
    ),
]


class Command(BaseCommand):
    help = "Load the demo catalogue and one approved demo user per role (safe to run again)."

    @no_translations  # the command speaks English; jobs speak their starter's language
    def handle(self, *args, **options):
        with transaction.atomic():
            users = [self._person(*person) for person in DEMO_PEOPLE[:1]]
            months = months_between(DEMO_AS_OF, timezone.localdate())
            document = shift_demo_dates(load_document(DEMO_FILE), months)
            report = import_document(document, publish=True, actor=users[0])
            users += [self._person(*person) for person in DEMO_PEOPLE[1:]]
        for line in report.lines():
            self.stdout.write(line)
        if "search_index" in get_commands():
            try:
                call_command("search_index", "rebuild", stdout=self.stdout, stderr=self.stderr)
            except Exception as exc:  # noqa: BLE001 - the demo data is in; search can be rebuilt later
                self.stderr.write(
                    f"search index not rebuilt ({exc}); run: manage.py search_index rebuild"
                )
        if "load_demo_opportunities" in get_commands():
            try:
                call_command("load_demo_opportunities", stdout=self.stdout, stderr=self.stderr)
            except Exception as exc:  # noqa: BLE001 - matching needs the search index
                self.stderr.write(
                    f"demo needs and leads not loaded ({exc}); "
                    "run: manage.py load_demo_opportunities"
                )
        self.stdout.write("")
        self.stdout.write("Demo users (all approved, e-mail verified):")
        for user in users:
            self.stdout.write(
                f"  {user.email:<24} {user.organisation.kind:<13} {user.organisation}"
            )
        self.stdout.write(f"Password for every demo user: {DEMO_PASSWORD}")
        self.stdout.write(
            self.style.WARNING(
                "These accounts and the password are for the demo only; never use them on a "
                "public server."
            )
        )

    def _person(self, email, kind, name_en, name_ko, extra) -> User:
        now = timezone.now()
        approved = {"status": Organisation.Status.APPROVED, "approved_at": now}
        if kind == Organisation.Kind.VENDOR:
            organisation = Organisation.objects.get(kind=kind, exchange_id=DEMO_VENDOR_ID)
        else:
            organisation = Organisation.objects.filter(kind=kind, name_en=name_en).first()
            if organisation is None:
                organisation = Organisation(kind=kind, name_en=name_en, country="KR")
            organisation.name_ko = name_ko
            for key, value in extra.items():
                setattr(organisation, key, value)
        if not organisation.is_approved:
            for key, value in approved.items():
                setattr(organisation, key, value)
        organisation.save()
        user = User.objects.filter(email__iexact=email).first() or User(username=email, email=email)
        user.organisation = organisation
        user.is_org_admin = True
        user.is_active = True
        user.is_staff = user.is_superuser = kind == Organisation.Kind.OPERATOR
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
