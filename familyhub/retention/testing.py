"""Test helpers for retention: the seeded rules (a browser test's flush empties them)."""

from __future__ import annotations

import importlib

from familyhub.retention.models import RetentionRule


def ensure_rules() -> None:
    """The rules the data migration seeds, made again if the table was emptied."""
    seed = importlib.import_module("familyhub.retention.migrations.0002_seed_rules")
    for rule in seed.RULES:
        RetentionRule.objects.get_or_create(category=rule["category"], defaults=rule)
