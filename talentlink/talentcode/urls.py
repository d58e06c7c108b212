from django.urls import path

from talentlink.talentcode import views

app_name = "talentcode"

urlpatterns = [
    path("", views.my_code, name="my_code"),
    path("symbol/", views.my_code_symbol, name="my_code_symbol"),
    path("code.png", views.my_code_png, name="my_code_png"),
    path("scan/", views.scan, name="scan"),
    path("sw.js", views.service_worker, name="service_worker"),
]
