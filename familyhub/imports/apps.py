from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "familyhub.imports"
    label = "imports"
    verbose_name = "Partner file imports"
    default_auto_field = "django.db.models.BigAutoField"
