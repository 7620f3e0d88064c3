"""``manage.py load_demo_opportunities``: the demo needs and leads, matched (by ``load_demo``)."""

from django.core.management.base import BaseCommand, no_translations

from matching.demo import load_demo_opportunities


class Command(BaseCommand):
    help = "Post, publish and match the demo needs and export leads (safe to run again)."

    @no_translations
    def handle(self, *args, **options):
        for line in load_demo_opportunities():
            self.stdout.write(line)
