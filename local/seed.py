"""Demo accounts and cases for a fresh local stack.

The password below exists only in the local moto user pool: it is printed in the banner on
purpose so anyone can sign in to the local app. Cases are created through the app's own service
layer, so seeded data always has the shape the app writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from functions.shared.auth import Role

DEMO_PASSWORD = "Derma-demo-2026!"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    name: str
    password: str = DEMO_PASSWORD
    birthdate: str = ""  # patients: their age is shown to their doctors
    gender: str = ""
    title: str = ""  # doctors: shown next to their name


DR_CHEN = DemoAccount("dr.chen", Role.DOCTOR, "Dr. Mei Chen", title="Consultant dermatologist")
DR_OKAFOR = DemoAccount("dr.okafor", Role.DOCTOR, "Dr. Ngozi Okafor", title="Specialty dermatologist")
# Colleagues with no case of their own: invited to consult (a visit holds the patient and 3 doctors).
DR_RAO = DemoAccount("dr.rao", Role.DOCTOR, "Dr. Priya Rao", title="Paediatric dermatologist")
DR_SILVA = DemoAccount("dr.silva", Role.DOCTOR, "Dr. Tomas Silva", title="Dermatopathologist")
PAT_ALEX = DemoAccount("pat.alex", Role.PATIENT, "Alex Morgan", birthdate="1986-04-12", gender="female")
PAT_BLAIR = DemoAccount("pat.blair", Role.PATIENT, "Blair Santos", birthdate="1999-09-30", gender="male")
OPS_ADMIN = DemoAccount("ops.admin", Role.ADMIN, "Operations Admin")

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (PAT_ALEX, PAT_BLAIR, DR_CHEN, DR_OKAFOR, DR_RAO, DR_SILVA, OPS_ADMIN)


@dataclass(frozen=True)
class DemoCase:
    patient: DemoAccount
    doctors: tuple[DemoAccount, ...]
    condition: str
    body_sites: tuple[str, ...]
    follow_up_plan: str


DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase(
        patient=PAT_ALEX,
        doctors=(DR_CHEN,),
        condition="Plaque psoriasis",
        body_sites=("elbow_left", "elbow_right", "lower_back", "scalp"),
        follow_up_plan="Topical calcipotriol/betamethasone daily for 4 weeks; photos of both elbows every 2 weeks.",
    ),
    DemoCase(
        patient=PAT_BLAIR,
        doctors=(DR_OKAFOR,),
        condition="Atopic dermatitis",
        body_sites=("elbow_right", "neck"),
        follow_up_plan="Emollients twice daily; itch score weekly; video visit in 6 weeks.",
    ),
)


def create_user(cognito: Any, pool_id: str, account: DemoAccount) -> str:
    """Create a confirmed user with a permanent password in the account's group; returns its sub."""
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=account.username,
        UserAttributes=[
            {"Name": "name", "Value": account.name},
            {"Name": "email", "Value": f"{account.username}@example.org"},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": n, "Value": v} for n, v in
              (("birthdate", account.birthdate), ("gender", account.gender), ("custom:title", account.title)) if v),
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=account.username, Password=account.password, Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=account.username, GroupName=account.role.value)
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=account.username)
    return next(str(a["Value"]) for a in user["UserAttributes"] if a["Name"] == "sub")


def seed(cognito: Any, pool_id: str) -> dict[str, str]:
    """Create the demo accounts and cases; returns username -> user id (sub).

    Needs the app's environment already set and the container reset: cases go through it.
    """
    from functions.bootstrap import get_container

    ids = {account.username: create_user(cognito, pool_id, account) for account in DEMO_ACCOUNTS}
    container = get_container()
    opened = []
    for case in DEMO_CASES:
        patient_id = ids[case.patient.username]
        doctor_ids = [ids[doctor.username] for doctor in case.doctors]
        record = container.cases.create_record(patient_id, case.condition, list(case.body_sites), case.follow_up_plan)
        container.access.open_case(record.case_id, patient_id, doctor_ids, granted_by=doctor_ids[0])
        opened.append(record)
    # A diagnosis, a prescription and scores, so the cases' cohort references show something.
    from local.cohort import give_demo_cases_history

    give_demo_cases_history(container, opened, ids,
                            {case.patient.username: ids[case.doctors[0].username] for case in DEMO_CASES})
    give_demo_cases_followups(container, opened, ids)
    return ids


def give_demo_cases_followups(container: Any, opened: list[Any], ids: dict[str, str]) -> None:
    """The plans of the demo cases as follow-ups, so both home pages show something on a first start:
    Alex's elbow photos every 2 weeks from 3 days on (the first reminder comes the day before), and
    Blair's weekly itch score, of which an earlier one, due 4 days ago, is overdue on Dr. Okafor's
    worklist."""
    from datetime import timedelta

    from functions.followups.ports import Followup, FollowupState, Modality
    from functions.followups.service import new_followup_id
    from functions.shared.auth import Principal
    from functions.shared.clock import iso

    alex_case, blair_case = opened[0], opened[1]
    chen = Principal(ids[DR_CHEN.username], DR_CHEN.username, frozenset({Role.DOCTOR}))
    okafor = Principal(ids[DR_OKAFOR.username], DR_OKAFOR.username, frozenset({Role.DOCTOR}))
    service = container.followups
    start = (service.today() + timedelta(days=3)).isoformat()
    service.schedule(chen, alex_case.case_id, due_date=start, modality=Modality.PHOTO_REVIEW.value,
                     asks=["photos"], every_days=14, count=6)
    service.schedule(okafor, blair_case.case_id, due_date=start, modality=Modality.SCORES.value,
                     asks=["score:ITCH_NRS"], every_days=7, count=6)
    past = service.today() - timedelta(days=4)
    container.followup_store.put_new([Followup(
        case_id=blair_case.case_id, followup_id=new_followup_id(past), patient_id=ids[PAT_BLAIR.username],
        due_day=past.isoformat(), modality=Modality.SCORES, asks=("score:ITCH_NRS",), state=FollowupState.PLANNED,
        created_at=iso(time.time()), created_by=okafor.user_id,
    )])
