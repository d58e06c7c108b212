from django.urls import path

from talentlink.market import views

app_name = "market"

urlpatterns = [
    path("", views.job_board, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/mine/", views.jobs_mine, name="jobs_mine"),
    path("jobs/new/", views.job_edit, name="job_new"),
    path("jobs/<int:job_id>/edit/", views.job_edit, name="job_edit"),
    path("jobs/<int:job_id>/publish/", views.job_publish, name="job_publish"),
    path("jobs/<int:job_id>/close/", views.job_close, name="job_close"),
    path("jobs/<int:job_id>/candidates/", views.job_candidates, name="job_candidates"),
    path("jobs/<int:job_id>/apply/", views.job_apply, name="job_apply"),
    path("jobs/<int:job_id>/applications/", views.job_applications, name="job_applications"),
    path("applications/<int:application_id>/move/", views.application_move, name="application_move"),
    path("applications/", views.applications_mine, name="applications_mine"),
    path(
        "applications/<int:application_id>/withdraw/", views.application_withdraw, name="application_withdraw"
    ),
    path("funnel/", views.funnel, name="funnel"),
    path("graduates/", views.graduates, name="graduates"),
    path("report/<int:year>/", views.report, name="report"),
    path("report/<int:year>.pdf", views.report_pdf_download, name="report_pdf"),
    path("report/<int:year>/pdf/", views.report_pdf_status, name="report_pdf_status"),
    path("report/<int:year>/pdf/retry/", views.report_pdf_retry, name="report_pdf_retry"),
    path("map/", views.key_industry_map, name="talent_map"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/matches/", views.profile_matches, name="matches"),
]
