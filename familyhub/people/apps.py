from django.apps import AppConfig
from django.db.backends.signals import connection_created

# pg_trgm's default word-similarity threshold (0.6) misses one transposed letter in a short
# surname ('Smiht' ~ 'Smith' scores 0.5); 0.45 keeps the candidate set small (ADR 0002).
WORD_SIMILARITY_THRESHOLD = 0.45


def _tune_trigram_search(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD}")


class PeopleConfig(AppConfig):
    name = "familyhub.people"
    label = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(_tune_trigram_search, dispatch_uid="familyhub-trigram-threshold")
