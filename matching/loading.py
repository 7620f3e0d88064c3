"""Load a smartcity-exchange/1 file for matching: catalogue, needs and leads, and the index."""

from __future__ import annotations

from pathlib import Path

from catalogue import exchange as catalogue_exchange
from search.backends import get_backend
from search.indexing import iter_documents


def load_exchange_file(path: Path) -> dict:
    """Import ``path`` (solutions published) and rebuild the search index; returns the document."""
    document = catalogue_exchange.load_document(path)
    catalogue_exchange.import_document(document, publish=True)
    get_backend().rebuild(iter_documents())
    return document
