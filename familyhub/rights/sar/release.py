"""The reviewer's decisions applied, and the released pack's bytes and checksum (R-RIGHTS-2)."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

WITHHELD = "[Withheld: information about someone else]"
WITHHELD_NOTICE = (
    "Some information was withheld because it is about other people and it would not be fair to "
    "them to release it (Data Protection Act 2018, Schedule 2, paragraph 16). Each place where "
    "something was withheld is marked."
)


# --- review decisions and the released pack ------------------------------------------------------


def flagged_items(content: dict[str, Any]) -> list[str]:
    return [r["item"] for r in content.get("review", [])]


def _strip_flags(item: dict[str, Any]) -> None:
    item.pop("flag", None)


def apply_decisions(
    content: dict[str, Any], decisions: dict[str, str], *, release: bool
) -> dict[str, Any]:
    """The pack with the reviewer's decisions applied: items decided 'redact' are replaced by a
    marker. With `release`, also every internal note (flags, the review list) is removed: the
    result is what the person receives."""
    out = copy.deepcopy(content)
    redact = {item for item, decision in decisions.items() if decision == "redact"}
    withheld = 0
    for section in out["sections"]:
        for record in section["records"]:
            if record["id"] in redact:
                withheld += 1
                record.update(label=WITHHELD, fields=[], withheld=True, record_id=None)
            for item in record["fields"]:
                if item["id"] in redact:
                    withheld += 1
                    item.update(value=WITHHELD, raw=None, withheld=True)
                    item.pop("code", None)
                if release:
                    _strip_flags(item)
            if release:
                _strip_flags(record)
    for item in out["history"]:
        if item["id"] in redact:
            withheld += 1
            item.update(record=WITHHELD, old="", new="", reason="", withheld=True)
        if release:
            _strip_flags(item)
    out["withheld"] = withheld
    if withheld:
        out["withheld_notice"] = WITHHELD_NOTICE
    if release:
        out.pop("review", None)
        out["released"] = True
    return out


def canonical_json(content: dict[str, Any]) -> bytes:
    """The pack as JSON bytes, the same every time for the same content (the checksum's input)."""
    return json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
