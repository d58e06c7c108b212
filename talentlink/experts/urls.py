from django.urls import path, re_path

from talentlink.experts import views

app_name = "experts"

urlpatterns = [
    path("", views.expert_search, name="search"),
    path("<int:expert_id>/", views.expert_detail, name="detail"),
    path("<int:expert_id>/edit/", views.expert_edit, name="edit"),
    path("me/", views.my_profile, name="me"),
    path("me/conflicts/", views.conflict_declare, name="conflict_declare"),
    path("me/relations/", views.relation_add, name="relation_add"),
    path("conflicts/<int:conflict_id>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/errors.xlsx", views.import_errors_xlsx, name="import_errors_xlsx"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/<int:committee_id>/", views.committee_detail, name="committee_detail"),
    path("members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("studios/", views.studio_list, name="studios"),
    path("studios/<int:studio_id>/", views.studio_detail, name="studio_detail"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    re_path(
        r"^rounds/(?P<round_id>[0-9]+)/(?P<action>propose|invite|refill)/$",
        views.round_action,
        name="round_action",
    ),
    path("rounds/<int:round_id>/panels.xlsx", views.round_export, name="round_export"),
    path("workloads/", views.workloads, name="workloads"),
    path("seats/<int:seat_id>/respond/", views.seat_respond, name="seat_respond"),
    path("seats/<int:seat_id>/review/", views.seat_review, name="seat_review"),
]
