"""A fresh embedded index directory per test, and the backend forgotten before and after."""

import pytest

from search.backends import reset_backend


@pytest.fixture(autouse=True)
def _index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    yield settings.SEARCH_INDEX_DIR
    reset_backend()
