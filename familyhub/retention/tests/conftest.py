import pytest


@pytest.fixture(autouse=True)
def _retention_rules(request):
    """The seeded retention rules, in every test that uses the database (a transactional test's
    flush, or a run with --no-migrations, leaves the table empty)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        return  # no database, or a transactional test that seeds them itself after set-up
    request.getfixturevalue("db")
    from familyhub.retention.testing import ensure_rules

    ensure_rules()
