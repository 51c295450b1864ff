from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "familyhub.privacy"
    label = "privacy"
    verbose_name = "Purposes, consent and the family's rights"
    default_auto_field = "django.db.models.BigAutoField"
