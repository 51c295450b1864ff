from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "familyhub.access"
    label = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from familyhub.access import signin  # noqa: F401 - connects the sign-in signal receivers
