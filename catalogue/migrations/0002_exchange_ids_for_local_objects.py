"""Give the vendors and solutions made here (not imported) a stored exchange id.

Their exports called them ``v-<pk>`` and ``s-<pk>`` without storing it, so importing an
export again created each of them a second time. Each keeps the id it was exported under,
unless an imported object already holds it; new objects get a random one when first saved.
"""

from django.db import migrations

from catalogue.migrations._exchange_ids import backfill


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.RunPython(
            backfill("catalogue.Organisation", "v", kind="vendor"), migrations.RunPython.noop
        ),
        migrations.RunPython(backfill("catalogue.Solution", "s"), migrations.RunPython.noop),
    ]
