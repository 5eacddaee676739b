"""Accounts in French under /compte/: Django's auth views with our templates."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import invitations, notification_settings, notifications, second_factor, session
from . import views as account
from .forms import LoginForm
from .password_reset import PasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("", account.account, name="account"),
    path("adresse/", account.email_change_request, name="email_change"),
    path("adresse/confirmer/<str:token>/", account.email_confirm, name="email_confirm"),
    path("deconnexion-partout/", account.logout_everywhere, name="logout_everywhere"),
    path("mes-donnees/", account.data_export, name="data_export"),
    path("donnees-personnelles/", account.privacy, name="privacy"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/tout-lu/", notifications.notifications_read, name="notifications_read"),
    path(
        "notifications/reglages/",
        notification_settings.notification_settings,
        name="notification_settings",
    ),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/prolonger/", session.keep_alive, name="session_keep_alive"),
    path("double-authentification/", second_factor.verify, name="second_factor"),
    path("double-authentification/activer/", second_factor.setup, name="second_factor_setup"),
    path(
        "mot-de-passe/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "reinitialisation/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "reinitialisation/envoyee/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reinitialisation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reinitialisation/terminee/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", invitations.invitation, name="invitation"),
    path(
        "invitation/<str:token>/nouvelle/",
        invitations.invitation_renewal,
        name="invitation_renewal",
    ),
]
