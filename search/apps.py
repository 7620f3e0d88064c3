from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from search.api import schema  # noqa: F401 - registers the OpenAPI field extension
