import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, never var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
