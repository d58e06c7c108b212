from django.urls import path

from talentlink.credentials import views

app_name = "credentials"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:application_id>/", views.application_detail, name="application_detail"),
    path("applications/<int:application_id>/scan/", views.application_scan, name="application_scan"),
    path("applications/<int:application_id>/decide/", views.application_decide, name="application_decide"),
    path(
        "applications/<int:application_id>/supplement/",
        views.application_supplement,
        name="application_supplement",
    ),
    path("review/", views.review_queue, name="review"),
    path("registry/", views.registry_imports, name="registry_imports"),
    path("registry/<int:import_id>/", views.registry_import_detail, name="registry_import_detail"),
    path(
        "registry/<int:import_id>/errors.xlsx",
        views.registry_import_errors_xlsx,
        name="registry_import_errors",
    ),
    path("verify/", views.verify, name="verify"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
]
