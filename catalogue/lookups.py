"""`has_item`: "this JSON list contains this scalar", on SQLite and PostgreSQL alike.

Django's JSONField ``contains`` is not supported on SQLite, and our lists
(tags, standards, countries, ...) are short JSON arrays of strings.
"""

import json

from django.db.models import JSONField, Lookup


@JSONField.register_lookup
class HasItem(Lookup):
    lookup_name = "has_item"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @> %s::jsonb", [*lhs_params, json.dumps([self.rhs])]
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",
            [*lhs_params, self.rhs],
        )
