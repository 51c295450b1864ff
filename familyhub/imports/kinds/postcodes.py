"""Postcode-to-ward lookup from the ONS Postcode Directory's CSV layout (R-IMPORT-1).

The ONSPD (Office for National Statistics, Open Government Licence v3.0) names its columns
`pcd` (7-character form), `pcds` (standard form, 'NG7 5HY'), `osward` (the electoral ward's
9-character ONS code) and `doterm` (the month a postcode was terminated, empty while in use).
The whole-UK file has 2.7 million rows: postcodes in wards that familyhub does not hold are
skipped (counted as unchanged, not rejected), terminated postcodes likewise. The row key is the
postcode: loading a newer directory moves a postcode to its new ward and changes nothing else.
"""

from __future__ import annotations

from typing import Any

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.imports.kinds.base import ChunkOutcome, Column, Kind, Row, RowErrors
from familyhub.people import validators as v
from familyhub.places.models import PostcodeWard, Ward


class PostcodeKind(Kind):
    code = "postcodes"
    label = "Postcode to ward lookup (ONS Postcode Directory)"
    description = (
        "The ONS Postcode Directory CSV (columns pcds or pcd, osward, doterm): which ward each "
        "postcode is in. Postcodes outside the wards familyhub holds are skipped."
    )
    columns = (
        Column("pcds", "Postcode (pcds)", False, ("postcode", "pcds")),
        Column("pcd", "Postcode, 7-character (pcd)", False, ("pcd", "pcd7", "pcd8")),
        Column("osward", "Ward code (osward)", True, ("osward", "wardcode", "ward", "wd22cd")),
        Column("doterm", "Date terminated (doterm)", False, ("doterm",)),
    )
    one_of = (("pcds", "pcd"),)
    chunk_size = 5000
    personal = False

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.IMPORT_DATA)
        return {
            "wards": dict(Ward.objects.values_list("code", "pk")),
            "source": batch.file_name[:200],
        }

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        wards: dict[str, int] = ctx["wards"]
        wanted: dict[str, tuple[str, int]] = {}
        for row in rows:
            errs = RowErrors()
            raw = row.values.get("pcds") or row.values.get("pcd") or ""
            try:
                postcode = v.normalise_postcode(raw)
            except v.InvalidValue as e:
                errs.add("pcds" if row.values.get("pcds") else "pcd", str(e))
                outcome.reject(row, errs.items)
                continue
            ward_code = (row.values.get("osward") or "").strip().upper()
            if not ward_code:
                errs.add("osward", "Enter the ward code (osward), like E05012275")
                outcome.reject(row, errs.items)
                continue
            if ward_code not in wards or row.values.get("doterm", "").strip():
                outcome.unchanged += 1  # another area's postcode, or no longer in use
                continue
            wanted[v.postcode_key(postcode)] = (postcode, wards[ward_code])
        existing = {
            pw.postcode_key: pw for pw in PostcodeWard.objects.filter(postcode_key__in=wanted)
        }
        new, moved = [], []
        for key, (postcode, ward_id) in wanted.items():
            pw = existing.get(key)
            if pw is None:
                new.append(
                    PostcodeWard(
                        postcode_key=key, postcode=postcode, ward_id=ward_id, source=ctx["source"]
                    )
                )
            elif pw.ward_id != ward_id:
                pw.ward_id, pw.source = ward_id, ctx["source"]
                moved.append(pw)
            else:
                outcome.unchanged += 1
        PostcodeWard.objects.bulk_create(new, batch_size=1000)
        if moved:
            PostcodeWard.objects.bulk_update(moved, ["ward", "source"], batch_size=1000)
        outcome.loaded += len(new) + len(moved)
        # A postcode repeated within the chunk counts once as loaded; the repeats are unchanged.
        outcome.unchanged += len(rows) - len(outcome.rejected) - outcome.loaded - outcome.unchanged
        return outcome
