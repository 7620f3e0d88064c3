"""Everything under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("catalogue.api.urls")),
    path("", include("catalogue.api.organisations")),
    path("search/", include("search.api_urls")),
    path("", include("matching.api.urls")),
    path("", include("jobs.api.urls")),
]
