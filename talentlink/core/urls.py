from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from talentlink.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="core/password_change.html",
            success_url=reverse_lazy("core:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(
            template_name="core/password_reset.html",
            email_template_name="core/email/password_reset_email.txt",
            subject_template_name="core/email/password_reset_subject.txt",
            success_url=reverse_lazy("core:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_reset_confirm.html",
            success_url=reverse_lazy("core:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="core/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("register/employer/", views.employer_register, name="employer_register"),
    path("organisations/", views.organisation_list, name="organisations"),
    path(
        "organisations/<int:organisation_id>/decide/",
        views.organisation_decide,
        name="organisation_decide",
    ),
    path(
        "organisations/<int:organisation_id>/licence/",
        views.organisation_licence,
        name="organisation_licence",
    ),
    path("accounts/staff/new/", views.staff_account_create, name="staff_account_create"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
