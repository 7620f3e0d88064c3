"""E-mail vendors the new needs and leads their solutions match (each match only once)."""

from django.core.management.base import BaseCommand

from matching.alerts import send_opportunity_alerts


class Command(BaseCommand):
    help = "Send the opportunity-alert digest to subscribed vendors."

    def handle(self, *args, **options):
        sent = send_opportunity_alerts()
        self.stdout.write(f"sent {sent['emails']} e-mails with {sent['matches']} matches")
