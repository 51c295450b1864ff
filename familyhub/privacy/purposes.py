"""The codes of the purposes other parts of familyhub ask `privacy.policy` about.

The register itself (names, descriptions, lawful bases, recipients, retention) is data, seeded from
the source documents by a migration and kept by the DPO; code refers to purposes only by these codes.
"""

# Recording the family's details on the system to deliver support (SSBC asks consent for this).
SERVICE_DELIVERY = "service-delivery"
# Receiving information about the programme, groups and events: the mailing list.
RECEIVING_INFORMATION = "receiving-information"
# Evaluation of the programme (evaluation data sets, feedback linked to the person).
EVALUATION = "evaluation"
# Photographs and video of the family at groups and events.
PHOTOS = "photos-video"
# Registration with Dolly Parton's Imagination Library (books posted to the child).
IMAGINATION_LIBRARY = "imagination-library"
# Planning and reporting on services (aggregate, public task).
SERVICE_PLANNING = "service-planning"
# Sharing to keep a child safe (legal obligation).
SAFEGUARDING = "safeguarding"
# Keeping records for legal claims: the only use a restricted record still allows.
LEGAL_CLAIMS = "legal-claims"

ALL = (
    SERVICE_DELIVERY,
    RECEIVING_INFORMATION,
    EVALUATION,
    PHOTOS,
    IMAGINATION_LIBRARY,
    SERVICE_PLANNING,
    SAFEGUARDING,
    LEGAL_CLAIMS,
)
