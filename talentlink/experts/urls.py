from django.urls import path  # noqa: F401

from talentlink.experts import views  # noqa: F401

app_name = "experts"

urlpatterns: list = []
