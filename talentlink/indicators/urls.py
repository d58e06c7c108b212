from django.urls import path

from talentlink.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.target_list, name="targets"),
]
