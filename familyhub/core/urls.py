from django.contrib.auth import views as auth_views
from django.urls import path

from familyhub.access import views as access_views
from familyhub.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", access_views.SignInView.as_view(), name="login"),
    path("sign-in/code/", access_views.sign_in_code, name="login_code"),
    path("sign-in/set-up/", access_views.sign_in_set_up, name="login_setup"),
    path("sign-in/backup-codes/", access_views.sign_in_backup_codes, name="login_backup_codes"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-out/everywhere/", access_views.sign_out_everywhere, name="logout_everywhere"),
    path("account/", access_views.account, name="account"),
    path("healthz/", views.healthz, name="healthz"),
]
