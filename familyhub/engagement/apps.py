from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "familyhub.engagement"
    label = "engagement"
    verbose_name = "Services, sessions, visits, referrals and outcomes"
    default_auto_field = "django.db.models.BigAutoField"
