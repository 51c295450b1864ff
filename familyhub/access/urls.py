from django.urls import path

from familyhub.access import views

app_name = "access"

urlpatterns = [
    path("staff/locked/", views.locked_accounts, name="locked_accounts"),
    path("staff/locked/unlock/", views.unlock_account, name="unlock"),
    path(
        "staff/locked/reset-second-factor/", views.reset_second_factor, name="reset_second_factor"
    ),
]
