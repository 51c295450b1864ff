"""Every write of the rights app (invariant 1): requests and their deadlines (`requests`),
subject access packs (`packs`), portability exports (`portability`), the reminders
(`reminders`) and challenges to the accuracy of a record (`accuracy`). Views, commands and
tasks call these and nothing else."""

from familyhub.rights.services.accuracy import challenge_decide, challenge_record
from familyhub.rights.services.carry_out import (
    erasure_available,
    request_decide_objection,
    request_erase,
    request_lift_restriction,
    request_record_objection,
    request_restrict,
    request_withdraw_consent,
)
from familyhub.rights.services.packs import pack_decide, pack_generate, pack_release
from familyhub.rights.services.portability import portability_release
from familyhub.rights.services.reminders import Reminder, send_reminders
from familyhub.rights.services.requests import (
    IdentityCheck,
    deadline_of,
    extension_grant,
    identity_check_record,
    pause_end,
    pause_start,
    recipients_told_record,
    request_close,
    request_link_person,
    request_record,
)

__all__ = [
    "IdentityCheck",
    "Reminder",
    "challenge_decide",
    "challenge_record",
    "deadline_of",
    "erasure_available",
    "extension_grant",
    "identity_check_record",
    "pack_decide",
    "pack_generate",
    "pack_release",
    "pause_end",
    "pause_start",
    "portability_release",
    "recipients_told_record",
    "request_close",
    "request_decide_objection",
    "request_erase",
    "request_lift_restriction",
    "request_link_person",
    "request_record",
    "request_record_objection",
    "request_restrict",
    "request_withdraw_consent",
    "send_reminders",
]
