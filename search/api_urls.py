"""Search endpoints, mounted at /api/v1/search/."""

from django.urls import path

from .api import views

app_name = "search"

urlpatterns = [
    path("solutions/", views.SolutionSearchView.as_view(), name="solutions"),
    path("suggest/", views.SuggestView.as_view(), name="suggest"),
]
