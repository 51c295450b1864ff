from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "familyhub.linkage"
    label = "linkage"
    verbose_name = "Duplicate detection, merge and unmerge, matching to external data"
    default_auto_field = "django.db.models.BigAutoField"
