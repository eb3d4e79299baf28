"""DermaFollow API: wiring only. Business rules live in functions/<capability>/."""

from typing import Any

from chalice.app import Chalice, WebsocketEvent

from functions.admin.routes import admin
from functions.analytics.jobs import analytics_jobs
from functions.analytics.routes import analytics
from functions.audit.routes import audit
from functions.cases.routes import cases
from functions.consultation.routes import consultation
from functions.discussion.routes import discussion
from functions.emr.routes import emr
from functions.feedback.routes import feedback
from functions.followups.jobs import followup_jobs
from functions.followups.routes import followups
from functions.icd10.routes import icd10
from functions.identity.authorizer import authorizers
from functions.identity.routes import identity
from functions.images.events import image_events
from functions.images.routes import images
from functions.lesionmetrics.events import lesion_events
from functions.lesionmetrics.routes import lesion_metrics
from functions.lesions.routes import lesions
from functions.scores.routes import scores
from functions.shared.http import uniform_errors
from functions.signaling import handlers as signaling
from functions.timeline.routes import timeline
from functions.visits.routes import visits
from functions.worklist.routes import worklist

# Powertools owns the "dermafollow" logger; Chalice configuring it too would print every line twice.
app = Chalice(app_name="dermafollow", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.register_middleware(uniform_errors, "http")

app.register_blueprint(authorizers)
app.register_blueprint(identity)
app.register_blueprint(cases)
app.register_blueprint(admin)
app.register_blueprint(visits)
app.register_blueprint(timeline)
app.register_blueprint(emr)
app.register_blueprint(icd10)
app.register_blueprint(audit)
app.register_blueprint(lesions)
app.register_blueprint(lesion_metrics)
app.register_blueprint(lesion_events)
app.register_blueprint(images)
app.register_blueprint(image_events)
app.register_blueprint(scores)
app.register_blueprint(analytics)
app.register_blueprint(analytics_jobs)
app.register_blueprint(followups)
app.register_blueprint(followup_jobs)
app.register_blueprint(worklist)
app.register_blueprint(feedback)
app.register_blueprint(consultation)
app.register_blueprint(discussion)


@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> dict[str, Any]:
    return signaling.on_connect(event)


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> None:
    signaling.on_message(event)


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> None:
    signaling.on_disconnect(event)
