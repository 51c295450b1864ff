from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "familyhub.sharing"
    label = "sharing"
    verbose_name = (
        "Sharing agreements, disclosure control, reports, extracts and the disclosure log"
    )
    default_auto_field = "django.db.models.BigAutoField"
