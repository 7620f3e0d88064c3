"""Web pages of the catalogue (organisation sign-up, membership)."""

from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.home, name="home"),
]
