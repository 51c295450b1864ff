"""The subject access pack, assembled from the data map so that nothing is missed (R-RIGHTS-2;
ADR 0015).

`build_pack(person)` walks every row of every model that points at the person or at one of their
households (`core.personal_data`, found from the foreign keys), and renders every personal field of
each row (`core.datamap.DATA_MAP`: what is personal, its topic, its description) as a person reads
it: choice labels with their codes explained, names instead of ids, dd/mm/yyyy dates. It adds the
change history, the consents' evidence files, the access log ("who has looked at my record",
`access.selectors.accesses_of_person`) and the disclosures that included them.

Rows are grouped by topic (the data map's categories): the person's own record and their family's
record are split field by field; any other row goes under the topic most of its fields belong to.

Other people's data is flagged for review, never silently released or dropped (DPA 2018 Schedule 2
paragraph 16): a row about another person (another member's membership, a consent given for a
child), a field naming another person (the other end of a relationship), and free text or history
that mentions another family member by name. `apply_decisions(content, decisions)` applies the reviewer's
decisions; what is withheld is replaced by a marker and the internal flags never leave.

Pure reads: the services (`rights.services.packs`) log and store what is built here.
"""

from familyhub.rights.sar.build import (
    FORMAT,
    OWN_SECTIONS,
    TOPICS,
    VERSION,
    build_pack,
    person_households,
)
from familyhub.rights.sar.release import (
    WITHHELD,
    WITHHELD_NOTICE,
    apply_decisions,
    canonical_json,
    flagged_items,
    sha256,
)
from familyhub.rights.sar.text import Others

__all__ = [
    "FORMAT",
    "OWN_SECTIONS",
    "TOPICS",
    "VERSION",
    "WITHHELD",
    "WITHHELD_NOTICE",
    "Others",
    "apply_decisions",
    "build_pack",
    "canonical_json",
    "flagged_items",
    "person_households",
    "sha256",
]
