"""FHIR R4 export of a patient's record: one Bundle of type `collection`. Pure: data in, JSON out.

Mapping:
- Patient: the patient (id, and name/contact where the directory has them);
- Encounter: each video visit, class VR (virtual), with its period and participants;
- Condition: diagnoses (ICD-10), clinical status, verification status (entered-in-error when retracted);
- MedicationRequest: prescriptions (drug, dose, route as SNOMED CT, frequency, supply duration);
- CarePlan: treatment plans and follow-up plans (the follow-up's due date is a scheduled activity);
- Observation: severity and patient-reported scores (category survey);
- Media: lesion photos (metadata; the image itself stays behind the app's signed URLs).
Encounter notes (SOAP) are not exported: R4 carries them in Composition/DocumentReference,
which this export does not produce yet.

Resources are identified by `urn:uuid:` full URLs derived from our ids (UUID v5), so exporting the
same record twice gives the same ids, and references stay inside the Bundle. Our own ids are kept as
identifiers (FHIR ids may not contain `_`). Retracted entries stay in a clinician's export with
status entered-in-error; the patient's own export leaves them (and notes) out, like their summary.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from functions.emr.kinds import ROUTES, EntryKind, EntryStatus
from functions.emr.ports import ClinicalFacts, Demographics, PhotoFacts, RecordEntry, ScoreFacts, VisitFacts

FHIR_NAMESPACE = uuid.UUID("6f0f4a52-6c0e-5d8e-9a43-2b1d9e3c7a10")
ID_SYSTEM = "urn:dermafollow:{}"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"

_DURATION_UNITS = {"day": "d", "week": "wk", "month": "mo"}
_FOLLOWUP_STATUS = {"planned": "active", "completed": "completed", "cancelled": "revoked"}


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    entries: list[RecordEntry]
    facts: ClinicalFacts = field(default_factory=ClinicalFacts)


def full_url(resource_type: str, our_id: str) -> str:
    return f"urn:uuid:{resource_uuid(resource_type, our_id)}"


def resource_uuid(resource_type: str, our_id: str) -> str:
    return str(uuid.uuid5(FHIR_NAMESPACE, f"{resource_type}/{our_id}"))


def _identifier(kind: str, value: str) -> dict[str, str]:
    return {"system": ID_SYSTEM.format(kind), "value": value}


def _user(user_id: str) -> dict[str, Any]:
    return {"identifier": _identifier("user", user_id)}


def _entry(resource_type: str, our_id: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "fullUrl": full_url(resource_type, our_id),
        "resource": {"resourceType": resource_type, "id": resource_uuid(resource_type, our_id), **resource},
    }


def build_bundle(patient: Demographics, cases: list[CaseRecord], generated_at: str) -> dict[str, Any]:
    patient_ref = {"reference": full_url("Patient", patient.patient_id)}
    entries = [_entry("Patient", patient.patient_id, _patient(patient))]
    for case in cases:
        visits = {visit.visit_id for visit in case.facts.visits}
        photos = {photo.photo_id for photo in case.facts.photos}
        entries += [_entry("Encounter", v.visit_id, _encounter(v, patient_ref)) for v in case.facts.visits]
        entries += [_entry("Media", p.photo_id, _media(p, patient_ref)) for p in case.facts.photos]
        entries += [_entry("Observation", s.score_id, _observation(s, patient_ref)) for s in case.facts.scores]
        for record in case.entries:
            mapped = _record(record, patient_ref, visits, photos)
            if mapped is not None:
                entries.append(_entry(mapped[0], record.current.entry_id, mapped[1]))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(FHIR_NAMESPACE, f"Bundle/{patient.patient_id}/{generated_at}")),
        "type": "collection",
        "timestamp": generated_at,
        "entry": entries,
    }


def _patient(patient: Demographics) -> dict[str, Any]:
    resource: dict[str, Any] = {"identifier": [_identifier("patient", patient.patient_id)], "active": True}
    if patient.name:
        resource["name"] = [{"text": patient.name}]
    telecom = []
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if telecom:
        resource["telecom"] = telecom
    return resource


def _encounter(visit: VisitFacts, patient_ref: dict[str, str]) -> dict[str, Any]:
    if visit.status == "ended":
        status = "cancelled" if visit.end_reason in ("declined", "cancelled") else "finished"
    elif visit.status == "active":
        status = "in-progress"
    else:
        status = "arrived"  # in the waiting room
    resource: dict[str, Any] = {
        "identifier": [_identifier("visit", visit.visit_id)],
        "status": status,
        "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
        "subject": patient_ref,
        "period": {"start": visit.started_at or visit.requested_at},
    }
    if visit.ended_at:
        resource["period"]["end"] = visit.ended_at
    if visit.participant_ids:
        resource["participant"] = [{"individual": _user(user_id)} for user_id in visit.participant_ids]
    return resource


def _media(photo: PhotoFacts, patient_ref: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "identifier": [_identifier("photo", photo.photo_id)],
        "status": "completed",
        "type": {"coding": [{"system": MEDIA_TYPE, "code": "image", "display": "Image"}]},
        "subject": patient_ref,
        "createdDateTime": photo.taken_at,
        "content": {"contentType": photo.content_type, "title": f"Lesion photo {photo.photo_id}"},
    }
    if photo.body_site:
        resource["bodySite"] = {"text": photo.body_site}
    if photo.width:
        resource["width"] = photo.width
    if photo.height:
        resource["height"] = photo.height
    return resource


def _observation(score: ScoreFacts, patient_ref: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "identifier": [_identifier("score", score.score_id)],
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": ID_SYSTEM.format("instrument"), "code": score.instrument}],
                 "text": score.instrument},
        "subject": patient_ref,
        "effectiveDateTime": score.at,
    }
    if score.value is not None:
        resource["valueQuantity"] = {"value": score.value, "unit": "score"}
    return resource


def _record(record: RecordEntry, patient_ref: dict[str, str], visits: set[str],
            photos: set[str]) -> tuple[str, dict[str, Any]] | None:
    current = record.current
    common: dict[str, Any] = {
        "meta": {"versionId": str(current.version), "lastUpdated": current.at},
        "identifier": [_identifier("record", current.entry_id)],
        "subject": patient_ref,
    }
    encounter = next((v for v in current.links.visit_ids if v in visits), None)
    if encounter:
        common["encounter"] = {"reference": full_url("Encounter", encounter)}
    media = [{"reference": full_url("Media", p)} for p in current.links.photo_ids if p in photos]
    retracted = current.status is EntryStatus.ENTERED_IN_ERROR
    content = current.content
    if current.kind is EntryKind.DIAGNOSIS:
        return "Condition", _condition(record, common, media, retracted)
    if current.kind is EntryKind.PRESCRIPTION:
        return "MedicationRequest", _medication_request(record, common, media, retracted)
    if current.kind is EntryKind.PLAN:
        plan: dict[str, Any] = {
            **common,
            "status": "entered-in-error" if retracted else str(content.get("status", "active")),
            "intent": "plan",
            "category": [{"text": "treatment plan"}],
            "title": content["title"],
            "description": content["description"],
            "created": record.created_at,
            "author": _user(record.created_by),
        }
        if "period" in content:
            plan["period"] = dict(content["period"])
        activities = [
            {"detail": {"status": "not-started", "description": text}} for text in content.get("activities", [])
        ]
        if activities:
            plan["activity"] = activities
        if content.get("goals"):
            plan["note"] = [{"text": f"Goal: {goal}"} for goal in content["goals"]]
        return "CarePlan", plan
    if current.kind is EntryKind.FOLLOWUP:
        detail: dict[str, Any] = {
            "status": "scheduled",
            "scheduledString": content["dueDate"],
            "description": content.get("instructions") or content["description"],
        }
        if content.get("modality"):
            detail["code"] = {"text": content["modality"]}
        status = "entered-in-error" if retracted else _FOLLOWUP_STATUS[str(content.get("status", "planned"))]
        return "CarePlan", {
            **common,
            "status": status,
            "intent": "plan",
            "category": [{"text": "follow-up plan"}],
            "title": "Follow-up",
            "description": content["description"],
            "created": record.created_at,
            "author": _user(record.created_by),
            "activity": [{"detail": detail}],
        }
    return None  # encounter notes: see the module docstring


def _condition(record: RecordEntry, common: dict[str, Any], media: list[dict[str, str]],
               retracted: bool) -> dict[str, Any]:
    content = record.current.content
    condition: dict[str, Any] = {
        **common,
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                           "code": "entered-in-error" if retracted else "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": ICD10, "code": content["code"]}], "text": content["text"]},
        "recordedDate": record.created_at,
        "recorder": _user(record.created_by),
    }
    if not retracted:
        # FHIR (con-5): no clinical status on a condition entered in error.
        condition["clinicalStatus"] = {"coding": [{"system": CONDITION_CLINICAL, "code": content["clinicalStatus"]}]}
    if content.get("onsetDate"):
        condition["onsetDateTime"] = content["onsetDate"]
    if content.get("bodySites"):
        condition["bodySite"] = [{"text": site} for site in content["bodySites"]]
    if content.get("note"):
        condition["note"] = [{"text": content["note"]}]
    if media:
        condition["evidence"] = [{"detail": media}]
    return condition


def _medication_request(record: RecordEntry, common: dict[str, Any], media: list[dict[str, str]],
                        retracted: bool) -> dict[str, Any]:
    content = record.current.content
    route = str(content["route"])
    route_concept: dict[str, Any] = {"text": route}
    if ROUTES.get(route):
        route_concept["coding"] = [{"system": SNOMED, "code": ROUTES[route]}]
    dosage: dict[str, Any] = {
        "text": f"{content['dose']}, {content['frequency']}",
        "route": route_concept,
        "timing": {"code": {"text": content["frequency"]}},
    }
    if content.get("instructions"):
        dosage["patientInstruction"] = content["instructions"]
    duration = content["duration"]
    request: dict[str, Any] = {
        **common,
        "status": "entered-in-error" if retracted else str(content.get("status", "active")),
        "intent": "order",
        "medicationCodeableConcept": {"text": content["drug"]},
        "authoredOn": record.created_at,
        "requester": _user(record.created_by),
        "dosageInstruction": [dosage],
        "dispenseRequest": {
            "expectedSupplyDuration": {
                "value": duration["value"], "unit": duration["unit"], "system": UCUM,
                "code": _DURATION_UNITS[duration["unit"]],
            }
        },
    }
    if media:
        request["supportingInformation"] = media
    return request
