"""Every write of the imports app (invariant 1, R-IMPORT-1): upload, column mapping, start.

The rows themselves are written by `engine.run` through each kind, which calls the owning app's
services. Every upload is recorded as a batch (who, when, file name, checksum, counts), refused
files included, so that the record of what came in is complete.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError
from familyhub.imports import engine
from familyhub.imports.kinds import kind_for
from familyhub.imports.models import ColumnMapping, ImportBatch
from familyhub.imports.readers import FileRefused, Rows, file_format_for, inspect_file
from familyhub.places.models import Organisation

Status = ImportBatch.Status
# A whole-UK ONS Postcode Directory is about 1.5 GB; refuse what is clearly not a partner file.
MAX_BYTES = 4 * 1024**3


class DuplicateFile(ApplicationError):
    """This file was imported (or is being imported) already for this kind and organisation."""

    status = 409
    title = "This file was imported before"
    code = "duplicate"

    def __init__(self, message: str, *, batch: ImportBatch) -> None:
        super().__init__(message, field="file")
        self.batch = batch


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def organisation_for(actor: Any, organisation: Organisation | None = None) -> Organisation:
    """The organisation an import is for: the one named, if the actor may import for it, else the
    actor's first organisation with IMPORT_DATA."""
    access.require(actor, Capability.IMPORT_DATA)
    allowed = actor.organisation_ids_with(Capability.IMPORT_DATA)
    if organisation is not None:
        if organisation.pk not in allowed:
            raise ApplicationError(
                f"You cannot import for {organisation.name}: your role there does not include it.",
                field="organisation",
            )
        return organisation
    return Organisation.objects.get(pk=allowed[0])


def batch_upload(
    *,
    actor: Any,
    kind: str,
    file_name: str,
    chunks: Iterable[bytes],
    organisation: Organisation | None = None,
) -> ImportBatch:
    """Store the file (streamed), check it can be read, record the batch; refuse a repeat.

    The same file (by SHA-256) for the same kind and organisation is refused with the earlier
    batch, unless that batch failed (a file that could not be read may be sent again).
    """
    organisation = organisation_for(actor, organisation)
    import_kind = kind_for(kind)
    if import_kind.personal and organisation.pk not in actor.organisation_ids_with(
        Capability.EDIT_PEOPLE
    ):
        raise ApplicationError(
            f"Your role does not include registering families, so you cannot import "
            f"{import_kind.label.lower()}: ask a team manager.",
            field="kind",
        )
    fmt = file_format_for(file_name)
    tmp = upload_dir() / f"upload-{uuid.uuid4()}.part"
    try:
        with tmp.open("wb") as out:
            facts = inspect_file(_tee(chunks, out), fmt)
    except FileRefused as e:
        tmp.unlink(missing_ok=True)
        _record_refused(actor, organisation, kind, file_name, fmt, e.message)
        raise
    earlier = (
        ImportBatch.objects.filter(organisation=organisation, kind=kind, sha256=facts.sha256)
        .exclude(status=Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        tmp.unlink(missing_ok=True)
        when = timezone.localtime(earlier.created_at).strftime("%d/%m/%Y %H:%M")
        state = (
            "was imported"
            if earlier.status == Status.COMPLETED
            else "was uploaded and is not finished"
        )
        raise DuplicateFile(
            f"This file {state} on {when} ({earlier.file_name}): re-running it would change "
            f"nothing. See the earlier import: {reverse('imports:batch_detail', args=[earlier.uuid])}",
            batch=earlier,
        )
    batch = ImportBatch(
        kind=import_kind.code,
        organisation=organisation,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        file_name=Path(file_name).name[:255],
        file_format=fmt,
        encoding=facts.encoding,
        size_bytes=facts.size_bytes,
        sha256=facts.sha256,
    )
    final = upload_dir() / f"{batch.uuid}.{fmt}"
    shutil.move(str(tmp), final)
    batch.file_path = str(final)
    try:
        batch.headers = Rows(final, fmt, facts.encoding).headers()
    except FileRefused as e:
        final.unlink(missing_ok=True)
        _record_refused(actor, organisation, kind, file_name, fmt, e.message, facts.sha256)
        raise
    saved = ColumnMapping.objects.filter(organisation=organisation, kind=kind).first()
    batch.mapping = engine.auto_mapping(
        import_kind, batch.headers, saved.mapping if saved else None
    )
    batch.save()
    return batch


def _tee(chunks: Iterable[bytes], out: IO[bytes]) -> Iterable[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_BYTES:
            raise FileRefused(
                f"The file is larger than {MAX_BYTES // 1024**3} GB: split it and upload the "
                "parts one by one.",
                field="file",
            )
        out.write(chunk)
        yield chunk


def _record_refused(
    actor: Any,
    organisation: Organisation,
    kind: str,
    file_name: str,
    fmt: str,
    message: str,
    sha256: str = "",
) -> None:
    ImportBatch.objects.create(
        kind=kind,
        organisation=organisation,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        file_name=Path(file_name).name[:255],
        file_format=fmt,
        sha256=sha256,
        status=Status.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def mapping_set(
    *, actor: Any, batch: ImportBatch, mapping: Mapping[str, str], save: bool = True
) -> ImportBatch:
    """Choose which column holds each field; saved for the organisation's next file of this kind."""
    access.require(actor, Capability.IMPORT_DATA)
    if batch.status != Status.MAPPING:
        raise ApplicationError("This import has started: its columns can no longer be changed.")
    kind = kind_for(batch.kind)
    clean = engine.check_mapping(kind, batch.headers, mapping)
    with transaction.atomic():
        batch.mapping = clean
        batch.status = Status.QUEUED
        batch.save(update_fields=["mapping", "status", "updated_at"])
        if save:
            ColumnMapping.objects.update_or_create(
                organisation=batch.organisation,
                kind=batch.kind,
                defaults={
                    "mapping": clean,
                    "saved_by": actor if getattr(actor, "pk", None) else None,
                },
            )
    return batch


def batch_start(*, actor: Any, batch: ImportBatch, enqueue: bool = True) -> ImportBatch:
    """Queue the batch for the tasks worker (or run it here); also resumes an interrupted one."""
    access.require(actor, Capability.IMPORT_DATA)
    if batch.status not in (Status.QUEUED, Status.INTERRUPTED, Status.RUNNING):
        raise ApplicationError("This import is not waiting to run.")
    if enqueue:
        from familyhub.imports.tasks import run_import

        batch_id = str(batch.uuid)
        transaction.on_commit(lambda: run_import.enqueue(batch_id))
        return batch
    return engine.run(batch)
