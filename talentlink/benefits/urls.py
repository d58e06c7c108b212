from django.urls import path  # noqa: F401

from talentlink.benefits import views  # noqa: F401

app_name = "benefits"

urlpatterns: list = []
