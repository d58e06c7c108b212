from __future__ import annotations

from django.urls import path

from talentlink.benefits import views

app_name = "benefits"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.benefit_create, name="benefit_create"),
    path("catalogue/<slug:code>/edit/", views.benefit_edit, name="benefit_edit"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/<int:provider_id>/", views.provider_detail, name="provider_detail"),
    path("providers/<int:provider_id>/edit/", views.provider_edit, name="provider_edit"),
    path(
        "providers/<int:provider_id>/service-points/", views.service_point_create, name="service_point_create"
    ),
    path("providers/<int:provider_id>/accounts/", views.account_create, name="account_create"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:redemption_id>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("statistics/", views.statistics, name="statistics"),
    path("settlement/", views.settlement, name="settlement"),
    path("settlement/close/", views.settlement_close, name="settlement_close"),
    path("settlement.xlsx", views.settlement_xlsx, name="settlement_xlsx"),
    path("insurance/", views.insurance_imports, name="insurance"),
    path("insurance/<int:batch_id>/errors.xlsx", views.insurance_errors_xlsx, name="insurance_errors_xlsx"),
    path("insurance/persons/<int:person_id>/", views.person_insurance, name="person_insurance"),
    path("mine/", views.mine, name="mine"),
]
