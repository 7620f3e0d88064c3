"""Placeholder: replaced by the demo-data loader."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo catalogue and demo users."

    def handle(self, *args, **options):
        self.stdout.write("no demo data yet")
