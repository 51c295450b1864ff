"""May a feedback answer be linked to the person who gave it? (R-ENGAGE-8, R-CONSENT-3)

Only `privacy.policy` answers "may this person's data be used for this purpose?" (invariant 3).
Feedback asks it for the purpose "evaluation" at the moment the answers are saved. Until the privacy
app provides the policy, the answer is no, and every response is stored anonymously: the safe
default, since no consent to evaluation can have been recorded without it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

PURPOSE = "evaluation"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def _policy() -> Any:
    try:
        return importlib.import_module("familyhub.privacy.policy")
    except ImportError:
        return None


def evaluation_consent(person: Any) -> Decision:
    """Whether `person` agreed to their feedback being used, identifiably, for evaluation."""
    if person is None:
        return Decision(False, "no person named: anonymous")
    policy = _policy()
    if policy is None or not hasattr(policy, "decide"):
        return Decision(False, "no consent register yet: stored anonymously")
    try:
        decision = policy.decide(person, PURPOSE)
    except Exception as e:  # an unknown purpose or a policy error: never link by mistake
        return Decision(False, f"the consent check failed ({type(e).__name__}): stored anonymously")
    if isinstance(decision, tuple):  # (allowed, reason)
        return Decision(bool(decision[0]), str(decision[1]) if len(decision) > 1 else "")
    allowed = decision
    for attr in ("allowed", "permitted", "ok"):
        if hasattr(decision, attr):
            allowed = getattr(decision, attr)
            break
    reason = str(getattr(decision, "reason", "") or "")
    return Decision(bool(allowed), reason)
