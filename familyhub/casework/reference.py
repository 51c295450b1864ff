"""The outcomes frameworks (R-ENGAGE-7), as data loaded by a migration (and again by tests whose
database was flushed).

Sources: the Nottinghamshire Family Hub Networks privacy notice (seed 001: "The Council wants to
know if the following outcomes have been achieved") and the Small Steps Big Changes privacy notice
(seed 000: "SSBC aims to help children ..."). The wording is the documents' own. Neither document
sets a scale; both are given the 1-5 scale used in review conversations ("needs a lot of support"
to "doing well"), which each framework row can change.
"""

from __future__ import annotations

from typing import Any

FAMILY_HUB = {
    "code": "family-hub",
    "name": "Family Hub outcomes",
    "source": "Nottinghamshire Family Hub Networks privacy notice (seed 001)",
    "outcomes": [
        (
            "needs-identified-early",
            "Children's needs are identified early, and risk of harm is prevented",
        ),
        ("good-education", "Getting a good education"),
        ("early-years-development", "Good early years development"),
        ("mental-physical-health", "Improved mental and physical health"),
        ("substance-use", "Promoting recovery and reducing harm from substance use"),
        ("family-relationships", "Improved family relationships"),
        ("safe-from-abuse", "Children safe from abuse and exploitation"),
        ("crime-prevention", "Crime prevention and tackling crime"),
        ("domestic-abuse", "Safe from domestic abuse"),
        ("secure-housing", "Secure housing"),
        ("financial-stability", "Financial stability e.g., parents in employment"),
        ("prepared-for-parenthood", "Prospective parents are well prepared for parenthood"),
        ("positive-pregnancy", "Mothers and babies have positive pregnancy outcomes"),
        ("early-relationships", "Babies and parents/carers have good early relationships"),
        ("home-learning", "Parents/carers are engaged and participate in home learning from birth"),
        (
            "parent-wellbeing",
            "Parents/carers experiencing emotional, mental health and wellbeing challenges are "
            "identified early and supported",
        ),
        ("good-health", "Children and parents/carers have good health outcomes"),
        (
            "early-language",
            "Children and parents/carers are supported with early language, speech, and "
            "communication",
        ),
        ("early-years-provision", "Children have access to high quality early years provision"),
    ],
}

SSBC = {
    "code": "ssbc",
    "name": "Small Steps Big Changes outcomes",
    "source": "Small Steps Big Changes privacy notice (seed 000)",
    "outcomes": [
        ("talk-and-communicate", "Learn to talk and communicate"),
        (
            "confident-friendly-emotions",
            "Be confident, friendly and understand their emotions and behaviour",
        ),
        ("eating-well-healthy", "Enjoy eating well and keeping healthy"),
    ],
}

FRAMEWORKS = (FAMILY_HUB, SSBC)


def load_outcome_frameworks(framework_model: Any, outcome_model: Any) -> None:
    """Create the frameworks and their outcomes; existing rows are left as they are (idempotent).

    Takes the model classes so that a migration can pass its historical models.
    """
    for spec in FRAMEWORKS:
        framework, _ = framework_model.objects.get_or_create(
            code=spec["code"], defaults={"name": spec["name"], "source": spec["source"]}
        )
        for position, (code, name) in enumerate(spec["outcomes"], start=1):
            outcome_model.objects.get_or_create(
                framework=framework, code=code, defaults={"name": name, "position": position}
            )


def ensure_outcome_frameworks() -> None:
    """For tests and the demo: a flushed database (browser tests) loses the migration's rows."""
    from familyhub.casework.models import Outcome, OutcomeFramework

    if not OutcomeFramework.objects.exists():
        load_outcome_frameworks(OutcomeFramework, Outcome)
