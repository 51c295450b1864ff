"""The shared write helpers every service uses (invariant 1): change records and optimistic locks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.db import models, transaction
from django.utils import timezone

from familyhub.core.errors import ConcurrentEdit
from familyhub.core.models import ChangeRecord


def display_value(instance: models.Model, field_name: str) -> str:
    """The value as a person reads it: choice labels, related objects' names, dates as dd/mm/yyyy."""
    f = cast(models.Field, instance._meta.get_field(field_name))
    value = getattr(instance, field_name)
    if value is None or value == "":
        return ""
    if getattr(f, "choices", None):
        return str(dict(f.choices).get(value, value))  # type: ignore[arg-type,union-attr]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def field_label(instance: models.Model, field_name: str) -> str:
    f = instance._meta.get_field(field_name)
    return str(getattr(f, "verbose_name", field_name)).capitalize()


@dataclass
class ChangeSet:
    """Change records written together share one id, so a timeline can group them."""

    actor: Any
    reason: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    at: datetime = field(default_factory=timezone.now)
    pending: list[ChangeRecord] = field(default_factory=list)

    def record(
        self,
        instance: models.Model,
        *,
        action: str,
        field_name: str = "",
        old: str = "",
        new: str = "",
        person: Any = None,
        household: Any = None,
        special: bool = False,
        label: str = "",
    ) -> None:
        self.pending.append(
            ChangeRecord(
                at=self.at,
                actor=self.actor if getattr(self.actor, "pk", None) else None,
                action=action,
                change_set=self.id,
                model=instance._meta.model_name or "",
                object_uuid=instance.uuid,  # type: ignore[attr-defined]
                object_label=(label or str(instance))[:200],
                field=field_name,
                field_label=field_label(instance, field_name)[:100] if field_name else "",
                old_value=old,
                new_value=new,
                reason=self.reason,
                person=person,
                household=household,
                special_category=special,
            )
        )

    def flush(self) -> None:
        if self.pending:
            ChangeRecord.objects.bulk_create(self.pending)
            self.pending = []


def model_update(
    *,
    instance: models.Model,
    fields: Iterable[str],
    data: Mapping[str, Any],
    changes: ChangeSet,
    expected_version: int | None = None,
    person: Any = None,
    household: Any = None,
    special_fields: Iterable[str] = (),
) -> list[str]:
    """Apply `data` to `fields` of `instance`, recording each real change; returns changed fields.

    With `expected_version`, the row is updated only if nobody saved it since that version was read
    (UPDATE ... WHERE version = n): a stale edit raises ConcurrentEdit and writes nothing.
    """
    special = set(special_fields)
    changed: list[str] = []
    for name in fields:
        if name not in data:
            continue
        old_display = display_value(instance, name)
        old_raw = getattr(instance, name)
        setattr(instance, name, data[name])
        if getattr(instance, name) != old_raw:
            changed.append(name)
            changes.record(
                instance,
                action=ChangeRecord.Action.UPDATE,
                field_name=name,
                old=old_display,
                new=display_value(instance, name),
                person=person,
                household=household,
                special=name in special,
            )
    if not changed:
        return changed
    model = type(instance)
    with transaction.atomic():
        # ForeignKey attributes are assigned by object; write their column values.
        columns = [cast(models.Field, model._meta.get_field(n)).attname for n in changed]
        values: dict[str, Any] = {col: getattr(instance, col) for col in columns}
        values["updated_at"] = timezone.now()
        qs = model._default_manager.filter(pk=instance.pk)
        if expected_version is not None:
            values["version"] = models.F("version") + 1
            if qs.filter(version=expected_version).update(**values) != 1:
                raise ConcurrentEdit(
                    "Someone else saved changes to this record while you were editing it. "
                    "Their changes are shown below; your typed values are kept in the form. "
                    "Check them and save again."
                )
            instance.version = expected_version + 1  # type: ignore[attr-defined]
        else:
            qs.update(**values)
        changes.flush()
    return changed
