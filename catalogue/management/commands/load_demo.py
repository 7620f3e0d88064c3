"""``manage.py load_demo``: the demo catalogue plus one approved demo user per role (idempotent)."""

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
            report = import_document(load_document(DEMO_FILE), publish=True, actor=users[0])
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
