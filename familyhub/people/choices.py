"""Answer lists for person details. 'Prefer not to say' and 'not asked' are always kept apart."""

from django.db import models

NOT_ASKED = "not_asked"
PREFER_NOT = "prefer_not_to_say"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_YET_KNOWN = "not_known", "Not yet known"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Another gender"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class Religion(models.TextChoices):
    NONE = "none", "No religion"
    CHRISTIAN = "christian", "Christian"
    BUDDHIST = "buddhist", "Buddhist"
    HINDU = "hindu", "Hindu"
    JEWISH = "jewish", "Jewish"
    MUSLIM = "muslim", "Muslim"
    SIKH = "sikh", "Sikh"
    OTHER = "other", "Any other religion"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class SexualOrientation(models.TextChoices):
    STRAIGHT = "straight", "Straight or heterosexual"
    GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
    BISEXUAL = "bisexual", "Bisexual"
    OTHER = "other", "Another sexual orientation"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class YesNoAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class RelationshipStatus(models.TextChoices):
    SINGLE = "single", "Single"
    MARRIED = "married", "Married or in a civil partnership"
    COHABITING = "cohabiting", "Living with a partner"
    PARTNER_NOT_LIVING = "partner_apart", "In a relationship, not living together"
    SEPARATED = "separated", "Separated or divorced"
    WIDOWED = "widowed", "Widowed"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed and looking for work"
    NOT_LOOKING = "not_looking", "Not working and not looking for work"
    PARENTAL_LEAVE = "parental_leave", "On parental leave"
    STUDENT = "student", "Student"
    UNABLE = "unable", "Unable to work"
    NOT_APPLICABLE = "not_applicable", "Not applicable (child)"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class EducationStatus(models.TextChoices):
    NONE = "none", "No qualifications"
    GCSE = "gcse", "GCSE or equivalent"
    A_LEVEL = "a_level", "A level or equivalent"
    DEGREE = "degree", "Degree or higher"
    IN_EDUCATION = "in_education", "In education or training"
    EARLY_YEARS = "early_years", "In early years provision"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class HousingStatus(models.TextChoices):
    OWNER = "owner", "Owner-occupier"
    SOCIAL_RENT = "social_rent", "Renting from council or housing association"
    PRIVATE_RENT = "private_rent", "Renting privately"
    WITH_FAMILY = "with_family", "Living with family or friends"
    TEMPORARY = "temporary", "Temporary accommodation"
    HOMELESS = "homeless", "Homeless"
    OTHER = "other", "Other"
    PREFER_NOT = PREFER_NOT, "Prefer not to say"
    NOT_ASKED = NOT_ASKED, "Not asked"


class MemberRole(models.TextChoices):
    CHILD = "child", "Child"
    PARENT_CARER = "parent_carer", "Parent or carer"
    OTHER_MEMBER = "other_member", "Other household member"
    EMERGENCY_CONTACT = "emergency_contact", "Emergency contact"


class RelationshipKind(models.TextChoices):
    """Read as: `from_person` is the <kind> of `to_person`."""

    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    CARER = "carer", "Carer"
    FOSTER_CARER = "foster_carer", "Foster carer"
    GRANDPARENT = "grandparent", "Grandparent"
    SIBLING = "sibling", "Sibling"
    PARTNER = "partner", "Partner"
    FORMER_PARTNER = "former_partner", "Former partner"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FRIEND = "friend", "Friend or neighbour"


PARENT_KINDS = {
    RelationshipKind.MOTHER,
    RelationshipKind.FATHER,
    RelationshipKind.STEP_PARENT,
    RelationshipKind.CARER,
    RelationshipKind.FOSTER_CARER,
    RelationshipKind.GRANDPARENT,
}
SYMMETRIC_KINDS = {
    RelationshipKind.SIBLING,
    RelationshipKind.PARTNER,
    RelationshipKind.FORMER_PARTNER,
}


class IdentifierScheme(models.TextChoices):
    SOCIAL_CARE = "social_care", "Social care ID"
    EARLY_HELP = "early_help", "Early Help ID"
    UPN = "upn", "Unique pupil number"
    SYSTMONE = "systmone", "SystmOne ID"
    OTHER = "other", "Other"
