from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "familyhub.rights"
    label = "rights"
    verbose_name = "Rights requests, subject access, portability, erasure, retention and disposal"
    default_auto_field = "django.db.models.BigAutoField"
