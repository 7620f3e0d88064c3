"""How the search parameters read in the OpenAPI schema (registered in ``SearchConfig.ready``)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension


class MultiValueFieldExtension(OpenApiSerializerFieldExtension):
    """A ``MultiValueField`` is a list of values (``?x=a&x=b``; ``?x=a,b`` is read too), each
    one of its choices or matching its pattern: documented so, clients and the schemathesis
    run ask valid filters instead of arbitrary text."""

    target_class = "search.api.serializers.MultiValueField"

    def map_serializer_field(self, auto_schema, direction):
        item: dict = {"type": "string"}
        if self.target.choices is not None:
            item["enum"] = list(self.target.choices)
        elif self.target.pattern is not None:
            item["pattern"] = f"^(?:{self.target.pattern.pattern})$"
        return {"type": "array", "items": item}
