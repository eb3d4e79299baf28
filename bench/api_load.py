"""REST API under load: simulated patients and doctors using the app at once against the local stack.

The local stack (local/stack.py) is what the e2e tests run: the API Gateway REST emulation in front
of the real Chalice app, the authorizer on every request, S3 presigned POSTs through the stack's own
origin, S3 -> EventBridge -> SQS -> the photo processor, and DynamoDB, Cognito, KMS and S3 on one
in-process moto. Everything runs in one Python process on this machine's cores, so its latencies
say what that emulation does under this load, not what Lambda and DynamoDB would; what it can show
honestly is that nothing fails and nothing acknowledged goes missing while everyone works at once.

People (made in Cognito, signed in through `POST /auth/login`; each patient has a case of their
own, through the app's services, with one of the doctors assigned and two record entries written
by that doctor through `POST /cases/{id}/records`):
- patients (70% of the users) record scores (`POST /cases/{id}/scores`, itch NRS or POEM), upload
  photos (`POST /cases/{id}/photos/uploads`, then the presigned multipart POST of a 1200 x 900
  phone JPEG; the call's time is both steps) and read their own timeline;
- doctors read the timelines, record entries, score series and photo lists of their cases.
Each user is a loop: one call, then a think time drawn from 0.5x-1.5x `--think` seconds, for
`--seconds`. A call that answers other than 2xx, or raises (30 s timeout), is an error.

Lost writes: after the run (and after the photo processor has judged every uploaded photo, up to
`--drain` seconds), every acknowledged write is read back: each score id and each photo id must
appear as an event on its case's timeline, read by the case's doctor page by page; each photo
must have been accepted. A write missing from the timeline, or a photo never judged, is lost.

Baseline arm, in the same run on the same stack before the load: ONE patient and their doctor
making the same kinds of calls one after another without think time (`--baseline-calls` of each
kind), read back the same way.

    python -m bench.api_load                          # 50 users, 60 s
    python -m bench.api_load --users 6 --seconds 10   # a quick run

Last line: {"errors", "lost_writes", "load": {kind: {"calls", "p50_ms", "p99_ms", ...}},
"baseline": {...}, "params", "targets", "targets_met"}. Targets: 0 errors, 0 lost writes in both
arms. Latencies are reported as measured; no target is set on them here (see above).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.signaling_setup import open_case, quiet_app_logs
from bench.ws_clients import percentile
from functions.shared.auth import Role
from local.seed import DEMO_PASSWORD, DemoAccount, create_user
from local.stack import LocalStack
from tests.support.images import phone_jpeg

PATIENT_SHARE = 0.7
TIMEOUT_SECONDS = 30
SETUP_THREADS = 8
PAGE = 50
TARGETS = {"errors": 0, "lost_writes": 0}

PATIENT_KINDS = ("score_write", "score_write", "photo_upload", "patient_timeline")
DOCTOR_KINDS = ("doctor_timeline", "records_read", "scores_read", "photos_read")
WRITE_KINDS = frozenset({"score_write", "photo_upload"})

NOTE = {
    "subjective": "Itching worse at night for two weeks; sleep disturbed.",
    "objective": "Well-demarcated erythematous plaques with silvery scale, both elbows.",
    "assessment": "Flare of chronic plaque psoriasis, moderate.",
    "plan": "Step up topical therapy; review with photos in four weeks.",
}


@dataclass
class Person:
    username: str
    role: Role
    user_id: str = ""
    token: str = ""
    case_ids: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What one arm saw: latencies per kind, errors, and the writes the API acknowledged."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    # case id -> ids the API acknowledged (201) on that case
    written: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    photos: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {what}"[:300])

    def figures(self, seconds: float) -> dict[str, Any]:
        kinds: dict[str, Any] = {}
        for kind, values in sorted(self.latencies_ms.items()):
            kinds[kind] = {
                "calls": len(values),
                "p50_ms": round(percentile(values, 0.50), 1),
                "p99_ms": round(percentile(values, 0.99), 1),
                "max_ms": round(max(values), 1),
            }
        everything = [v for values in self.latencies_ms.values() for v in values]
        return {
            "calls": len(everything),
            "calls_per_s": round(len(everything) / seconds, 2) if seconds else None,
            "p50_ms": round(percentile(everything, 0.50), 1),
            "p99_ms": round(percentile(everything, 0.99), 1),
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors),
            "error_samples": self.error_samples,
            "acknowledged_writes": sum(len(ids) for ids in self.written.values()),
            "kinds": kinds,
        }


class Api:
    def __init__(self, session: aiohttp.ClientSession, api_url: str) -> None:
        self.session = session
        self.api_url = api_url

    async def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        async with self.session.request(method, self.api_url + path, headers=headers, data=data) as response:
            raw = await response.read()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, raw.decode(errors="replace")


class Failed(Exception):
    """A call that did not answer 2xx."""


def expect(status: int, answer: Any, *ok: int) -> Any:
    if status not in ok:
        raise Failed(f"{status} {str(answer)[:200]}")
    return answer


async def score_write(api: Api, person: Person, tally: Tally, rng: random.Random) -> None:
    case_id = person.case_ids[0]
    if rng.random() < 0.5:
        body: dict[str, Any] = {"instrument": "ITCH_NRS", "components": {"score": rng.randint(0, 10)}}
    else:
        body = {"instrument": "POEM", "components": {"items": [rng.randint(0, 4) for _ in range(7)]}}
    answer = expect(*await api.call("POST", f"/cases/{case_id}/scores", person.token, body), 201)
    tally.written[case_id].add(str(answer["scoreId"]))


async def photo_upload(api: Api, person: Person, tally: Tally, photo: bytes) -> None:
    case_id = person.case_ids[0]
    request = {"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": len(photo), "source": "camera"}
    intent = expect(*await api.call("POST", f"/cases/{case_id}/photos/uploads", person.token, request), 201)
    upload = intent["upload"]
    form = aiohttp.FormData()
    for name, value in upload["fields"].items():
        form.add_field(name, value)
    form.add_field(upload["fileField"], photo, filename="photo.jpg", content_type="image/jpeg")
    async with api.session.post(upload["url"], data=form) as posted:
        text = await posted.text()
        expect(posted.status, text, 200, 201, 204)
    tally.written[case_id].add(str(intent["photoId"]))
    tally.photos[case_id].add(str(intent["photoId"]))


async def read_one(api: Api, person: Person, kind: str, rng: random.Random) -> None:
    case_id = rng.choice(person.case_ids)
    path = {
        "patient_timeline": f"/cases/{case_id}/timeline?limit={PAGE}",
        "doctor_timeline": f"/cases/{case_id}/timeline?limit={PAGE}",
        "records_read": f"/cases/{case_id}/records?limit={PAGE}",
        "scores_read": f"/cases/{case_id}/scores?order=desc&limit={PAGE}",
        "photos_read": f"/cases/{case_id}/photos?limit={PAGE}",
    }[kind]
    answer = expect(*await api.call("GET", path, person.token), 200)
    if not isinstance(answer, dict) or "items" not in answer:
        raise Failed(f"no items in {str(answer)[:200]}")


async def one_call(api: Api, person: Person, kind: str, tally: Tally, rng: random.Random, photo: bytes) -> None:
    started = time.perf_counter()
    try:
        if kind == "score_write":
            await score_write(api, person, tally, rng)
        elif kind == "photo_upload":
            await photo_upload(api, person, tally, photo)
        else:
            await read_one(api, person, kind, rng)
    except (TimeoutError, Failed, aiohttp.ClientError, KeyError, TypeError) as problem:
        tally.error(kind, f"{type(problem).__name__} {problem}")
        return
    tally.latencies_ms[kind].append((time.perf_counter() - started) * 1000)


async def user_loop(api: Api, person: Person, tally: Tally, until: float, think: float, seed: int,
                    photo: bytes) -> None:
    rng = random.Random(seed)
    kinds = PATIENT_KINDS if person.role is Role.PATIENT else DOCTOR_KINDS
    await asyncio.sleep(rng.uniform(0, think))  # people do not all start on the same instant
    while time.monotonic() < until:
        await one_call(api, person, rng.choice(kinds), tally, rng, photo)
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def baseline(api: Api, patient: Person, doctor: Person, calls: int, photo: bytes) -> tuple[Tally, float]:
    """One patient, then their doctor, one call after another, no think time. A first call of each
    kind goes untimed (the app's lazy imports and first clients); its writes are read back too."""
    tally = Tally()
    rng = random.Random(1)
    warm_up = Tally()
    for kind in dict.fromkeys(PATIENT_KINDS):
        await one_call(api, patient, kind, warm_up, rng, photo)
    for kind in DOCTOR_KINDS:
        await one_call(api, doctor, kind, warm_up, rng, photo)
    tally.errors.update(warm_up.errors)
    tally.error_samples.extend(warm_up.error_samples)
    for case_id, ids in warm_up.written.items():
        tally.written[case_id] |= ids
    for case_id, ids in warm_up.photos.items():
        tally.photos[case_id] |= ids
    started = time.perf_counter()
    for kind in dict.fromkeys(PATIENT_KINDS):
        for _ in range(calls):
            await one_call(api, patient, kind, tally, rng, photo)
    for kind in DOCTOR_KINDS:
        for _ in range(calls):
            await one_call(api, doctor, kind, tally, rng, photo)
    return tally, time.perf_counter() - started


async def timeline_ids(api: Api, token: str, case_id: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        path = f"/cases/{case_id}/timeline?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
        page = expect(*await api.call("GET", path, token), 200)
        ids.update(str(event["refId"]) for event in page["items"] if event.get("refId"))
        cursor = page.get("nextCursor")
        if not cursor:
            return ids


async def photo_verdicts(api: Api, doctor_of: dict[str, Person], photos: dict[str, set[str]], drain: float
                         ) -> tuple[dict[str, str], float]:
    """Poll each acknowledged upload until judged (or the drain time is up); photo id -> status."""
    status: dict[str, str] = {}
    started = time.monotonic()
    pending = {(case_id, photo_id) for case_id, ids in photos.items() for photo_id in ids}
    while pending and time.monotonic() - started < drain:
        for case_id, photo_id in sorted(pending):
            code, answer = await api.call("GET", f"/cases/{case_id}/photos/uploads/{photo_id}",
                                          doctor_of[case_id].token)
            if code == 200:
                status[photo_id] = str(answer["status"])
                if answer["status"] in ("accepted", "rejected"):
                    pending.discard((case_id, photo_id))
            else:
                status[photo_id] = f"http_{code}"
        if pending:
            await asyncio.sleep(1.0)
    return status, time.monotonic() - started


async def read_back(api: Api, doctor_of: dict[str, Person], tally: Tally, drain: float) -> dict[str, Any]:
    verdicts, drained_s = await photo_verdicts(api, doctor_of, tally.photos, drain)
    missing: list[str] = []
    for case_id, ids in tally.written.items():
        seen = await timeline_ids(api, doctor_of[case_id].token, case_id)
        missing.extend(sorted(ids - seen))
    photo_ids = [photo_id for ids in tally.photos.values() for photo_id in ids]
    not_accepted = Counter(verdicts.get(photo_id, "unknown") for photo_id in photo_ids
                           if verdicts.get(photo_id) != "accepted")
    lost = set(missing) | {photo_id for photo_id in photo_ids if verdicts.get(photo_id) != "accepted"}
    return {
        "lost_writes": len(lost),
        "missing_from_timeline": len(missing),
        "photos_uploaded": len(photo_ids),
        "photos_not_accepted": dict(not_accepted),
        "photo_drain_s": round(drained_s, 1),
        "lost_samples": sorted(lost)[:10],
    }


def make_people(stack: LocalStack, users: int) -> tuple[list[Person], list[Person]]:
    """Patients and doctors in the stack's user pool; each patient's case is assigned to a doctor."""
    assert stack.resources is not None
    cognito = stack.client("cognito-idp")
    pool_id = stack.resources.user_pool_id
    patients_n = max(1, round(users * PATIENT_SHARE))
    doctors_n = max(1, users - patients_n)
    people = [Person(f"load.patient{i:03d}", Role.PATIENT) for i in range(patients_n)]
    people += [Person(f"load.doctor{i:03d}", Role.DOCTOR) for i in range(doctors_n)]

    def make(person: Person) -> None:
        account = DemoAccount(person.username, person.role, f"Load {person.role.value} {person.username[-3:]}")
        person.user_id = create_user(cognito, pool_id, account)

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        list(pool.map(make, people))
    patients, doctors = people[:patients_n], people[patients_n:]

    def case_for(index: int) -> None:
        patient, doctor = patients[index], doctors[index % len(doctors)]
        patient.case_ids.append(open_case(patient.user_id, doctor.user_id, "Plaque psoriasis"))

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        list(pool.map(case_for, range(len(patients))))
    for index, patient in enumerate(patients):
        doctors[index % len(doctors)].case_ids.extend(patient.case_ids)
    return patients, doctors


async def sign_in_and_seed(api: Api, people: list[Person], doctor_of: dict[str, Person]) -> None:
    """Tokens through the API's own sign-in; two record entries per case, written by its doctor."""
    for person in people:
        answer = expect(*await api.call("POST", "/auth/login", body={"username": person.username,
                                                                     "password": DEMO_PASSWORD}), 200)
        person.token = str(answer["accessToken"])
    for case_id, doctor in doctor_of.items():
        for _ in range(2):
            expect(*await api.call("POST", f"/cases/{case_id}/records", doctor.token,
                                   {"kind": "note", "content": NOTE}), 201)


async def scenario(stack: LocalStack, patients: list[Person], doctors: list[Person], args: argparse.Namespace,
                   photo: bytes) -> dict[str, Any]:
    doctor_of = {case_id: doctor for doctor in doctors for case_id in doctor.case_ids}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        api = Api(session, stack.api_url)
        await sign_in_and_seed(api, patients + doctors, doctor_of)
        print(f"{len(patients)} patients and {len(doctors)} doctors signed in; records written")

        base, base_s = await baseline(api, patients[0], doctor_of[patients[0].case_ids[0]], args.baseline_calls, photo)
        base_figures = {**base.figures(base_s), **await read_back(api, doctor_of, base, args.drain)}
        print(f"baseline: {base_figures['calls']} calls in {base_s:.1f} s, p50 {base_figures['p50_ms']} ms, "
              f"errors {base_figures['errors']}, lost {base_figures['lost_writes']}")

        load = Tally()
        started = time.monotonic()
        until = started + args.seconds
        await asyncio.gather(*(user_loop(api, person, load, until, args.think, seed, photo)
                               for seed, person in enumerate(patients + doctors)))
        load_s = time.monotonic() - started
        load_figures = {**load.figures(load_s), **await read_back(api, doctor_of, load, args.drain)}
        print(f"load: {load_figures['calls']} calls in {load_s:.1f} s, p50 {load_figures['p50_ms']} ms, "
              f"p99 {load_figures['p99_ms']} ms, errors {load_figures['errors']}, lost {load_figures['lost_writes']}")
    for kind, figures in load_figures["kinds"].items():
        base_p50 = base_figures["kinds"].get(kind, {}).get("p50_ms")
        figures["p50_vs_baseline"] = round(figures["p50_ms"] / base_p50, 2) if base_p50 else None
    return {"load": load_figures, "baseline": base_figures, "load_s": round(load_s, 1)}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api_load", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated people, 70%% patients (50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load arm (60)")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time between calls, seconds (2)")
    parser.add_argument("--baseline-calls", type=int, default=20, help="baseline calls of each kind (20)")
    parser.add_argument("--drain", type=float, default=180.0,
                        help="seconds to wait for the photo processor after an arm (180)")
    args = parser.parse_args()
    if args.users < 2:
        parser.error("--users needs at least 2 (a patient and a doctor)")
    return args


def main() -> None:
    args = parse_args()
    photo = phone_jpeg(1200, 900)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp, \
            LocalStack(port=0, data_dir=Path(tmp), fresh=True, static_dir=None, seed=False) as stack:
        quiet_app_logs()
        started = time.perf_counter()
        patients, doctors = make_people(stack, args.users)
        print(f"{len(patients) + len(doctors)} users and {len(patients)} cases made in "
              f"{time.perf_counter() - started:.1f} s")
        figures = asyncio.run(scenario(stack, patients, doctors, args, photo))
    errors = figures["load"]["errors"] + figures["baseline"]["errors"]
    lost = figures["load"]["lost_writes"] + figures["baseline"]["lost_writes"]
    print(json.dumps({
        "errors": errors,
        "lost_writes": lost,
        "p50_ms": figures["load"]["p50_ms"],
        "p99_ms": figures["load"]["p99_ms"],
        **figures,
        "params": {"users": args.users, "patients": len(patients), "doctors": len(doctors),
                   "seconds": args.seconds, "think_s": args.think, "baseline_calls_per_kind": args.baseline_calls,
                   "photo": "1200x900 JPEG", "drain_s": args.drain, "timeout_s": TIMEOUT_SECONDS,
                   "stack": "local stack, single process, in-process moto"},
        "targets": {**TARGETS, "latency": "reported as measured, no target on this emulation"},
        "targets_met": {"errors": errors == TARGETS["errors"], "lost_writes": lost == TARGETS["lost_writes"]},
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
