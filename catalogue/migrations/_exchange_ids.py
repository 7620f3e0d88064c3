"""Backfill of stored exchange ids, shared by the catalogue's and matching's migrations (the
leading underscore keeps Django's migration loader from taking it for a migration)."""

import secrets


def backfill(model: str, prefix: str, **only):
    """A RunPython function: every ``model`` row without an exchange id (and matching ``only``)
    gets the one its exports used, ``<prefix>-<pk>``, or a random one if an import holds that."""

    def run(apps, schema_editor):
        Model = apps.get_model(*model.split("."))
        taken = set(Model.objects.exclude(exchange_id=None).values_list("exchange_id", flat=True))
        for pk in Model.objects.filter(exchange_id=None, **only).values_list("pk", flat=True):
            wanted = f"{prefix}-{pk}"
            if wanted in taken:
                wanted = f"{prefix}-{secrets.token_hex(5)}"
            taken.add(wanted)
            Model.objects.filter(pk=pk).update(exchange_id=wanted)

    return run
