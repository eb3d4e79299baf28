"""Record entry kinds, their strict content schemas, and who may read what.

Every content field of every kind is protected (sealed with envelope encryption before it reaches
DynamoDB); only the structure around it (kind, status, version, ids, times, authors) is stored in
plaintext, so lists and conditions work without decrypting.

What a patient sees (their summary): diagnoses, prescriptions, treatment plans and follow-up plans
that are not retracted. Encounter notes (SOAP) are the clinicians' working notes and stay in the
clinicians' view; what the patient is told after a visit belongs in a plan or follow-up entry.
This is one constant (`PATIENT_VISIBLE_KINDS`) so the policy can change in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from functions.shared.validation import ID_PATTERN, Schema, strict_object


class EntryKind(StrEnum):
    NOTE = "note"  # encounter note, SOAP
    DIAGNOSIS = "diagnosis"
    PRESCRIPTION = "prescription"
    PLAN = "plan"  # treatment plan
    FOLLOWUP = "followup"  # follow-up plan


class EntryStatus(StrEnum):
    ACTIVE = "active"
    ENTERED_IN_ERROR = "entered-in-error"  # retracted: kept, shown as such, never edited again


class VersionAction(StrEnum):
    CREATE = "create"
    AMEND = "amend"
    RETRACT = "retract"


# Entry ids start with the kind, so one Query with begins_with lists one kind of a case.
KIND_PREFIX: dict[EntryKind, str] = {
    EntryKind.NOTE: "nt",
    EntryKind.DIAGNOSIS: "dx",
    EntryKind.PRESCRIPTION: "rx",
    EntryKind.PLAN: "tp",
    EntryKind.FOLLOWUP: "fu",
}

PATIENT_VISIBLE_KINDS: frozenset[EntryKind] = frozenset(
    {EntryKind.DIAGNOSIS, EntryKind.PRESCRIPTION, EntryKind.PLAN, EntryKind.FOLLOWUP}
)

# ICD-10 (WHO) and ICD-10-CM: a letter, two characters (the second may be a letter in CM), then
# optionally a dot and up to four more: L40.0, L20.9, C43.59, L40.
ICD10_PATTERN = r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
ROOM_ID_PATTERN = "^[A-Za-z0-9_-]{22,64}$"

# Route of administration -> SNOMED CT code (used by the FHIR export).
ROUTES: dict[str, str] = {
    "topical": "6064005",
    "oral": "26643006",
    "subcutaneous": "34206005",
    "intramuscular": "78421000",
    "intravenous": "47625008",
    "intralesional": "372464004",
    "transdermal": "45890007",
    "other": "",
}


def _text(max_length: int) -> Schema:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _texts(max_items: int, max_length: int) -> Schema:
    return {"type": "array", "items": _text(max_length), "minItems": 1, "maxItems": max_items}


DATE: Schema = {"type": "string", "pattern": DATE_PATTERN}
SITE: Schema = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{1,47}$"}

CONTENT_SCHEMAS: dict[EntryKind, Schema] = {
    EntryKind.NOTE: {
        **strict_object({
            "subjective": _text(8000),
            "objective": _text(8000),
            "assessment": _text(8000),
            "plan": _text(8000),
        }),
        "minProperties": 1,
    },
    EntryKind.DIAGNOSIS: strict_object(
        {
            "code": {"type": "string", "pattern": ICD10_PATTERN},
            "text": _text(500),
            "clinicalStatus": {"enum": ["active", "recurrence", "relapse", "inactive", "remission", "resolved"]},
            "onsetDate": DATE,
            "bodySites": {"type": "array", "items": SITE, "maxItems": 20, "uniqueItems": True},
            "note": _text(2000),
        },
        ["code", "text", "clinicalStatus"],
    ),
    EntryKind.PRESCRIPTION: strict_object(
        {
            "drug": _text(200),
            "dose": _text(100),
            "route": {"enum": sorted(ROUTES)},
            "frequency": _text(100),
            "duration": strict_object(
                {
                    "value": {"type": "integer", "minimum": 1, "maximum": 3650},
                    "unit": {"enum": ["day", "week", "month"]},
                },
                ["value", "unit"],
            ),
            "instructions": _text(1000),
            "status": {"enum": ["active", "on-hold", "completed", "stopped"]},
        },
        ["drug", "dose", "route", "frequency", "duration"],
    ),
    EntryKind.PLAN: strict_object(
        {
            "title": _text(200),
            "description": _text(4000),
            "goals": _texts(20, 500),
            "activities": _texts(50, 500),
            "status": {"enum": ["draft", "active", "on-hold", "completed", "revoked"]},
            "period": strict_object({"start": DATE, "end": DATE}, ["start"]),
        },
        ["title", "description"],
    ),
    EntryKind.FOLLOWUP: strict_object(
        {
            "description": _text(2000),
            "dueDate": DATE,
            "modality": {"enum": ["video", "in-person", "photo-review", "scores"]},
            "instructions": _text(2000),
            "status": {"enum": ["planned", "completed", "cancelled"]},
        },
        ["description", "dueDate"],
    ),
}

LINKS_SCHEMA: Schema = strict_object(
    {
        "visitIds": {"type": "array", "items": {"type": "string", "pattern": ROOM_ID_PATTERN}, "maxItems": 20,
                     "uniqueItems": True},
        "photoIds": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "maxItems": 50,
                     "uniqueItems": True},
    }
)



def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the content fields an amendment added, removed or changed (names only)."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
