"""Statistical disclosure control for aggregate outputs (R-SHARE-2): a pure-Python library.

The report builder, extracts and scheduled reports call it; it has no models, views or database
access. Everything it returns is plain data that can be stored as JSON with the output.

    from familyhub.sharing import sdc

    cube = sdc.Cube.build(
        {"ward": wards, "ethnicity": groups, "service": services},
        counts,                                  # {(ward, ethnicity, service): count}
    )
    tables = [
        sdc.cross_table(cube, "by-ethnicity", rows="ward", columns="ethnicity",
                        where={"service": "FRED"}),
        sdc.margin_table(cube, "wards", by="ward", where={"service": "FRED"}),
    ]
    output = sdc.protect(cube, tables, sdc.get_rule_set("round-5-suppress-1-7"),
                         previous=[sdc.ProtectedOutput.from_dict(last_months_json)])
    output.table("by-ethnicity").cell("Bulwell", "Total").display   # "10"
    output.notes            # the rule set and what each symbol means: print on every output
    output.audit.passed     # True, else protect() would have raised DisclosureControlFailed
    output.to_dict()        # keep with the output (and pass back next month as `previous`)

Modules: `rules` (rule sets, what the public knows), `tables` (cubes, boxes, tables),
`problem` (the linear system; internal), `audit` (the LP audit), `suppress` (primary and
secondary suppression, `protect`), `output` (the serialisable results).
See docs/disclosure-control.md and ADR 0017.
"""

from .audit import full_audit
from .output import AuditResult, CellAudit, ProtectedOutput, PublishedCell, PublishedTable
from .rules import (
    DEFAULT_RULE_SET,
    Kind,
    RuleSet,
    Shown,
    get_rule_set,
    ons_10_5,
    round5_suppress_1_7,
    round_half_up,
    rule_set_names,
    threshold_rule,
)
from .suppress import DisclosureControlFailed, audit_primary_only, protect
from .tables import Cell, Cube, Table, cross_table, margin_table, table_from_cells
from .verify import verify

__all__ = [
    "DEFAULT_RULE_SET",
    "AuditResult",
    "Cell",
    "CellAudit",
    "Cube",
    "DisclosureControlFailed",
    "Kind",
    "ProtectedOutput",
    "PublishedCell",
    "PublishedTable",
    "RuleSet",
    "Shown",
    "Table",
    "audit_primary_only",
    "cross_table",
    "full_audit",
    "get_rule_set",
    "margin_table",
    "ons_10_5",
    "protect",
    "round5_suppress_1_7",
    "round_half_up",
    "rule_set_names",
    "table_from_cells",
    "threshold_rule",
    "verify",
]
