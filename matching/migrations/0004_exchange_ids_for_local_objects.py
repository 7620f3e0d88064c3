"""Give the needs and leads made here (not imported) a stored exchange id: see
catalogue/migrations/0002_exchange_ids_for_local_objects.py."""

from django.db import migrations

from catalogue.migrations._exchange_ids import backfill


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_exchange_ids_for_local_objects"),
        ("matching", "0003_registrations_alerts"),
    ]

    operations = [
        migrations.RunPython(backfill("matching.Need", "n"), migrations.RunPython.noop),
        migrations.RunPython(backfill("matching.Lead", "l"), migrations.RunPython.noop),
    ]
