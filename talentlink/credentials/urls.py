from django.urls import path  # noqa: F401

from talentlink.credentials import views  # noqa: F401

app_name = "credentials"

urlpatterns: list = []
