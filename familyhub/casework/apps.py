from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "familyhub.casework"
    label = "casework"
    verbose_name = "Contacts, visits, caseloads, referrals, outcomes and feedback"
    default_auto_field = "django.db.models.BigAutoField"
