"""A fresh tantivy index per test, and helpers to publish and index solutions."""

import pytest

from matching.selectors import forget_profiles
from search.backends import get_backend, reset_backend
from search.indexing import iter_documents


@pytest.fixture(autouse=True)
def _index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    forget_profiles()
    yield
    reset_backend()
    forget_profiles()


@pytest.fixture
def reindex():
    """``reindex()``: put every published solution into the real tantivy index."""

    def run():
        return get_backend().rebuild(iter_documents())

    return run
