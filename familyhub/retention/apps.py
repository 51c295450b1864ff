from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "familyhub.retention"
    label = "retention"
    verbose_name = "Erasure, retention rules, holds and disposal"
    default_auto_field = "django.db.models.BigAutoField"
