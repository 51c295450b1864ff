from django.urls import path

from familyhub.engagement.views import catalogue, family, register, sessions, walk_ins

app_name = "engagement"

urlpatterns = [
    # The catalogue and eligibility rules (R-ENGAGE-1, R-ENGAGE-2)
    path("services/", catalogue.service_list, name="service_list"),
    path("services/new/", catalogue.service_add, name="service_add"),
    path("services/<slug:code>/", catalogue.service_detail, name="service_detail"),
    path("services/<slug:code>/edit/", catalogue.service_edit, name="service_edit"),
    path("services/<slug:code>/eligibility/", catalogue.rule_edit, name="rule_edit"),
    path(
        "services/<slug:code>/eligibility/history/",
        catalogue.rule_history,
        name="rule_history",
    ),
    # A family's services: eligibility with reasons, enrolments
    path(
        "families/<uuid:household_id>/services/",
        family.household_services,
        name="household_services",
    ),
    path("families/<uuid:household_id>/enrol/", family.household_enrol, name="household_enrol"),
    path(
        "families/<uuid:household_id>/enrolments/end/",
        family.enrolment_end,
        name="enrolment_end",
    ),
    # Sessions and the register (R-ENGAGE-3)
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/new/", sessions.session_add, name="session_add"),
    path("sessions/<uuid:session_id>/", register.register, name="register"),
    path("sessions/<uuid:session_id>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<uuid:session_id>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<uuid:session_id>/search/", register.register_search, name="register_search"),
    path(
        "sessions/<uuid:session_id>/entries/",
        register.register_entries,
        name="register_entries",
    ),
    path("sessions/<uuid:session_id>/walk-in/", register.register_walk_in, name="register_walk_in"),
    # People added at the door, to complete
    path("walk-ins/", walk_ins.walk_in_list, name="walk_in_list"),
    path("walk-ins/<uuid:walk_in_id>/", walk_ins.walk_in_complete, name="walk_in_complete"),
]
