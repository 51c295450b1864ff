from django.urls import path

from familyhub.access import views, views_accounts, views_breakglass, views_oversight, views_staff

app_name = "access"

urlpatterns = [
    path("staff/locked/", views.locked_accounts, name="locked_accounts"),
    path("staff/locked/unlock/", views.unlock_account, name="unlock"),
    path(
        "staff/locked/reset-second-factor/", views.reset_second_factor, name="reset_second_factor"
    ),
    # Staff roles, given and ended by administrators (R-ACCESS-1).
    path("staff/roles/", views_staff.staff_roles, name="staff_roles"),
    path(
        "staff/roles/<uuid:membership_id>/end/", views_staff.staff_role_end, name="staff_role_end"
    ),
    # Staff accounts from joiner to leaver (R-ACCESS-1, R-ACCESS-4, ADR 0025).
    path("staff/new/", views_accounts.staff_new, name="staff_new"),
    path(
        "staff/<uuid:user_id>/set-up-link/",
        views_accounts.staff_set_up_link,
        name="staff_set_up_link",
    ),
    path("staff/<uuid:user_id>/close/", views_accounts.staff_close, name="staff_close"),
    path("staff/<uuid:user_id>/reopen/", views_accounts.staff_reopen, name="staff_reopen"),
    # The member of staff's one-time link: no sign-in, the token is the key.
    path("set-up-account/<str:token>/", views_accounts.account_set_up, name="account_set_up"),
    # Break glass (R-ACCESS-2, ADR 0010).
    path("emergency-access/", views_breakglass.break_glass_request, name="break_glass_request"),
    path(
        "emergency-access/<uuid:grant_id>/end/",
        views_breakglass.break_glass_end,
        name="break_glass_end",
    ),
    path("emergency-access/reviews/", views_breakglass.break_glass_queue, name="break_glass_queue"),
    path(
        "emergency-access/reviews/<uuid:grant_id>/",
        views_breakglass.break_glass_review,
        name="break_glass_review",
    ),
    # The access log read for one person, and reviewed for patterns (R-RIGHTS-6, R-ACCESS-3).
    path("access-record/", views_oversight.person_lookup, name="person_lookup"),
    path("access-record/<uuid:person_id>/", views_oversight.who_looked, name="who_looked"),
    path("access-review/", views_oversight.access_review, name="access_review"),
]
