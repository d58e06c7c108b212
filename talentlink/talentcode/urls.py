from django.urls import path  # noqa: F401

from talentlink.talentcode import views  # noqa: F401

app_name = "talentcode"

urlpatterns: list = []
