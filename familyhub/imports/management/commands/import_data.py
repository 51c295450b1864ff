"""`familyhub import KIND FILE --user USERNAME [--organisation ORG] [--mapping ...]` (R-IMPORT-1).

Imports a partner file as the named member of staff (their role must include IMPORT_DATA, and the
kind's own capability: EDIT_PEOPLE for people and attendance). Columns are matched as in the web
UI: the organisation's saved mapping, then matching names; `--mapping field=Header,...` (or a JSON
object) overrides. Running the same file again resumes an unfinished import from its checkpoint,
and refuses one that completed (nothing would change). Exits non-zero with a one-line reason.

    familyhub import attendance register-march.csv --user manager
    familyhub import postcodes ONSPD_NOV_2025_UK.csv --user admin --organisation "Nottingham City Council"
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.access import context
from familyhub.access.models import User
from familyhub.core.errors import ApplicationError
from familyhub.imports import engine, services
from familyhub.imports.kinds import KINDS
from familyhub.imports.models import ImportBatch
from familyhub.imports.readers import file_chunks
from familyhub.places.models import Organisation

Status = ImportBatch.Status


def parse_mapping(text: str) -> dict[str, str]:
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise CommandError(f"--mapping is not valid JSON: {e}")
        if not isinstance(value, dict):
            raise CommandError("--mapping must be a JSON object of field -> column header")
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise CommandError(f"--mapping: '{part}' is not field=Column header")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


class Command(BaseCommand):
    help = "Import a partner file (CSV or .xlsx): attendance, people, postcodes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="Username of the member of staff importing"
        )
        parser.add_argument("--organisation", default="", help="Name or id of the organisation")
        parser.add_argument("--mapping", default="", help="field=Column header,... or JSON")
        parser.add_argument("--mode", choices=["auto", "sql", "bulk", "service"], default="auto")
        parser.add_argument("--chunk-size", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        token = context.set_current(context.RequestContext(channel="command", path="import"))
        try:
            self._handle(options)
        except ApplicationError as e:
            raise CommandError(e.message)
        finally:
            context.reset(token)

    def _handle(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.")
        org = None
        if options["organisation"]:
            ref = options["organisation"]
            org = Organisation.objects.filter(name=ref).first()
            if org is None and _is_uuid(ref):
                org = Organisation.objects.filter(uuid=ref).first()
            if org is None:
                raise CommandError(f"No organisation '{ref}'.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as fh:
            try:
                batch = services.batch_upload(
                    actor=user,
                    kind=options["kind"],
                    file_name=path.name,
                    chunks=file_chunks(fh),
                    organisation=org,
                )
            except services.DuplicateFile as e:
                batch = e.batch
                if batch.status == Status.COMPLETED:
                    raise CommandError(e.message)
                self.stdout.write(f"Continuing the earlier import of this file ({batch.uuid}).")
        if batch.status == Status.MAPPING:
            mapping = {**batch.mapping, **parse_mapping(options["mapping"])}
            services.mapping_set(actor=user, batch=batch, mapping=mapping)
        run_options = {"mode": options["mode"]}
        batch = engine.run(batch, options=run_options, chunk_size=options["chunk_size"] or None)
        self.stdout.write(
            f"{batch.get_status_display()}: {batch.rows_in} rows, {batch.rows_loaded} loaded, "
            f"{batch.rows_unchanged} unchanged, {batch.rows_rejected} rejected (batch {batch.uuid})."
        )
        if batch.status == Status.FAILED:
            raise CommandError(batch.error)
        if batch.rows_rejected:
            self.stdout.write("See the rejected rows and their reasons on the batch page.")


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
