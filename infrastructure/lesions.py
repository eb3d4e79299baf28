"""Lesion measurement in AWS: the measuring function (the lesion-measurement layer alone) and the
small step behind the photo pipeline that asks it and stores the answer (Chalice's
`measure_lesion_photo`, functions/lesionmetrics/events.py).

Why two functions: OpenCV and numpy (223.5 MB unpacked) and Chalice's shared layer (57 MB) together
exceed Lambda's 250 MiB for a function and its layers (layers/README.md). The measuring function is
pure compute (photo in, figures out; boto3 is the runtime's); sealing the figures needs the shared
layer (pynamodb, cryptography, functions/crypto), so the step that stores them has that layer.

Why the trigger is the full rendition's S3 "Object Created" event through EventBridge, not a call
from the photo processor: the image bucket already sends its events to EventBridge (the processor's
own trigger, infrastructure/photos.py), the local stack delivers the same event (local/events.py),
and the processor, which parses attacker-supplied bytes, gains no permission (it could otherwise
invoke a function that writes sealed clinical data). EventBridge and Lambda retry, then keep the
event in a dead-letter queue with an alarm, as for the photo processor. The processor writes the
renditions before the photo item; a rendition event that arrives first fails and is retried.
"""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import arn, ref, sub, tags
from infrastructure.naming import (
    APP_NAME,
    CHALICE_REST_HANDLER,
    IMAGE_BUCKET,
    LESION_LAYER,
    LESION_LAYER_ZIP,
    LESION_MEASURER,
    LESION_MEASURER_ZIP,
    LESION_TRIGGER,
    LESION_TRIGGER_EVENT,
)
from infrastructure.photos import dead_letter_resources
from infrastructure.policies import FULL_RENDITIONS, LESION_DEAD_LETTERS_NAME, function_name

LESION_DEAD_LETTERS = "LesionEventsDeadLetterQueue"
# The measuring function's handler, in the layer (the function's own zip only names it).
MEASURER_HANDLER = "lesion_measuring.lambda_handler"
# bench.lesion_metrics: 1.6 s per 12 MP photo on 2 cores; a measurement decodes and measures the
# baseline and the new photo (~3.2 s there). 3008 MB gives ~1.7 vCPU and room for a few 12 MP float
# copies; 60 s leaves ten times the expected duration for a cold start (the 223.5 MB layer) and a
# slower photo. The storing step waits for it, so its own timeout is longer (.chalice/config.json).
MEASURER_MEMORY_MB = 3008
MEASURER_TIMEOUT_SECONDS = 60


def lesion_measuring_resources() -> dict[str, Any]:
    return {
        **dead_letter_resources(LESION_DEAD_LETTERS, LESION_DEAD_LETTERS_NAME, "lesion-dead-letters",
                                "An accepted photo of a followed lesion could not be measured (after "
                                "EventBridge's and Lambda's retries) and waits in the dead-letter queue."),
        LESION_LAYER: {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": sub(f"{APP_NAME}-${{Stage}}-lesionmetrics"),
                "Description": "OpenCV, numpy and functions/lesionmetrics for the measuring function "
                               "(layers/lesionmetrics)",
                "ContentUri": LESION_LAYER_ZIP,
                "CompatibleRuntimes": ["python3.11"],
                "CompatibleArchitectures": ["x86_64"],
            },
        },
        f"{LESION_MEASURER}Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                }]},
                # Policies: infrastructure/policies.py (merged like the roles Chalice generates).
                "Tags": tags(),
            },
        },
        LESION_MEASURER: {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "FunctionName": sub(function_name(LESION_MEASURER)),
                "Description": "Measures a lesion photo against its baseline (functions/lesionmetrics/handler.py)",
                "Runtime": "python3.11",
                "Architectures": ["x86_64"],
                "Handler": MEASURER_HANDLER,
                "CodeUri": LESION_MEASURER_ZIP,
                # Its layer alone: with Chalice's shared layer it would exceed Lambda's 250 MiB.
                "Layers": [ref(LESION_LAYER)],
                "MemorySize": MEASURER_MEMORY_MB,
                "Timeout": MEASURER_TIMEOUT_SECONDS,
                "Tracing": "Active",
                # Called synchronously by the storing step, which retries as a whole.
                "Role": arn(f"{LESION_MEASURER}Role"),
            },
        },
        # A doctor's new baseline: the REST API hands the lesion's other photos to the measuring step.
        # By its fixed name, not a Ref: the step's rule names the image bucket, whose CORS names the
        # distribution in front of the REST API (a Ref would close that loop).
        CHALICE_REST_HANDLER: {"Properties": {"Environment": {"Variables": {
            "LESION_SERIES_FUNCTION": sub(function_name(LESION_TRIGGER)),
        }}}},
        LESION_TRIGGER: {
            "Properties": {
                "Environment": {"Variables": {
                    "LESION_MEASURER": "lambda",
                    "LESION_MEASURER_FUNCTION": ref(LESION_MEASURER),
                }},
                "DeadLetterQueue": {"Type": "SQS", "TargetArn": arn(LESION_DEAD_LETTERS)},
                "Events": {
                    LESION_TRIGGER_EVENT: {
                        "Properties": {
                            "DeadLetterConfig": {"Arn": arn(LESION_DEAD_LETTERS)},
                            "RetryPolicy": {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600},
                            "Pattern": {
                                "detail": {
                                    "bucket": {"name": [ref(IMAGE_BUCKET)]},
                                    "object": {"key": [{"wildcard": FULL_RENDITIONS}]},
                                }
                            },
                        }
                    }
                },
            }
        },
    }
