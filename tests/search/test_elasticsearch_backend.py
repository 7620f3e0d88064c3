"""The contract against a live Elasticsearch (only when ELASTICSEARCH_URL is set)."""

import os
import uuid

import pytest

from search.backends.elasticsearch import ElasticsearchBackend
from tests.search.contract import BackendContract

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"),
        reason="ELASTICSEARCH_URL is not set; our CI has no Elasticsearch cluster",
    ),
]


class TestElasticsearchBackend(BackendContract):
    @pytest.fixture
    def backend(self):
        backend = ElasticsearchBackend(
            url=os.environ["ELASTICSEARCH_URL"], index=f"test-solutions-{uuid.uuid4().hex[:8]}"
        )
        yield backend
        backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)
