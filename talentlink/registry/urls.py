from django.urls import path

from talentlink.registry import views
from talentlink.registry.linkage import views as linkage

app_name = "registry"

urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:batch_id>/errors.xlsx", views.import_errors_xlsx, name="import_errors_xlsx"),
    path("imports/templates/<slug:source_code>/", views.import_template, name="import_template"),
    path("persons/", views.person_list, name="persons"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/id-number/", views.person_id_number, name="person_id_number"),
    path("persons/<int:person_id>/consents/", views.consent_create, name="consent_create"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("me/", views.my_record, name="my_record"),
    path("register/", views.talent_register, name="talent_register"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:claim_id>/decide/", views.claim_decide, name="claim_decide"),
    path("linkage/", linkage.overview, name="linkage"),
    path("linkage/runs/<int:run_id>/", linkage.run_detail, name="linkage_run"),
    path("linkage/runs/<int:run_id>/retry/", linkage.run_retry, name="linkage_run_retry"),
    path("linkage/review/", linkage.review_next, name="linkage_review"),
    path("linkage/review/<int:pair_id>/", linkage.review_pair, name="linkage_review_pair"),
    path("linkage/review/<int:pair_id>/decide/", linkage.review_decide, name="linkage_review_decide"),
    path("linkage/changes/<int:change_id>/undo/", linkage.change_undo, name="linkage_change_undo"),
    path("persons/<int:person_id>/links/", linkage.person_links, name="person_links"),
    path("persons/<int:person_id>/split/", linkage.person_split, name="person_split"),
    path("persons/<int:person_id>/merge/", linkage.person_merge, name="person_merge"),
]
