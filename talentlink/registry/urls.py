from django.urls import path

from talentlink.registry import views

app_name = "registry"

urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/errors.xlsx", views.import_errors_xlsx, name="import_errors_xlsx"),
    path("persons/", views.person_list, name="persons"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/id-number/", views.person_id_number, name="person_id_number"),
    path("persons/<int:person_id>/consents/", views.consent_create, name="consent_create"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("me/", views.my_record, name="my_record"),
    path("register/", views.talent_register, name="talent_register"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:claim_id>/decide/", views.claim_decide, name="claim_decide"),
]
