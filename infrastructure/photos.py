"""The photo-processing function's extras: the imaging layer (Pillow) and its narrowed event rule."""

from __future__ import annotations

from typing import Any

from infrastructure.alarms import ALARM_TOPIC
from infrastructure.cfn import arn, ref, sub, tags
from infrastructure.naming import (
    APP_NAME,
    CHALICE_MANAGED_LAYER,
    IMAGE_BUCKET,
    IMAGING_LAYER,
    IMAGING_LAYER_ZIP,
    PHOTO_FUNCTION,
    PHOTO_FUNCTION_EVENT,
    UPLOAD_KEY_WILDCARD,
)

PHOTO_DEAD_LETTERS = "PhotoEventsDeadLetterQueue"
PHOTO_DEAD_LETTERS_NAME = f"{APP_NAME}-${{Stage}}-photo-events-dlq"


def dead_letter_resources(logical_id: str, name: str, alarm: str, description: str) -> dict[str, Any]:
    """A dead-letter queue for a function's failed events (EventBridge's and Lambda's), and its alarm."""
    return {
        logical_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": sub(name),
                "MessageRetentionPeriod": 14 * 86_400,  # the longest SQS keeps: two weeks to look
                "SqsManagedSseEnabled": True,
                "Tags": tags(),
            },
        },
        f"{logical_id}Policy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [ref(logical_id)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Sid": "EventBridgeDeliversFailedEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn(logical_id),
                    "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                }]},
            },
        },
        f"{logical_id}Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": sub(f"{APP_NAME}-${{Stage}}-{alarm}"),
                "AlarmDescription": description,
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id, "QueueName"]}}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "DatapointsToAlarm": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [ref(ALARM_TOPIC)],
                "OKActions": [ref(ALARM_TOPIC)],
            },
        },
    }


def photo_processing_resources() -> dict[str, Any]:
    """The imaging layer, and two additions to the Chalice-generated photo function.

    `chalice package --merge-template` merges dicts key by key and replaces lists, so these partial
    entries only (1) replace the function's Layers (Chalice's shared layer plus Pillow; Chalice's own
    `layers` setting accepts only ARNs of layers that already exist) and (2) narrow its EventBridge
    rule to uploads in this stack's image bucket (the decorator in code cannot name the bucket; the
    handler checks bucket and key again, and locally that check is what filters).
    """
    return {
        **dead_letter_resources(PHOTO_DEAD_LETTERS, PHOTO_DEAD_LETTERS_NAME, "photo-dead-letters",
                                "A photo upload event could not be processed (after EventBridge's and "
                                "Lambda's retries) and waits in the dead-letter queue."),
        IMAGING_LAYER: {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": sub(f"{APP_NAME}-${{Stage}}-imaging"),
                "Description": "Pillow for the photo-processing function (layers/imaging)",
                "ContentUri": IMAGING_LAYER_ZIP,
                "CompatibleRuntimes": ["python3.11"],
                "CompatibleArchitectures": ["x86_64"],
            },
        },
        PHOTO_FUNCTION: {
            "Properties": {
                "Layers": [ref(CHALICE_MANAGED_LAYER), ref(IMAGING_LAYER)],
                # An upload whose processing fails after Lambda's two async retries is kept, not lost:
                # the raw object stays under uploads/ and the intent stays pending until it is looked at.
                "DeadLetterQueue": {"Type": "SQS", "TargetArn": arn(PHOTO_DEAD_LETTERS)},
                "Events": {
                    PHOTO_FUNCTION_EVENT: {
                        "Properties": {
                            # Delivery failures (throttling, a missing permission) retried for an hour,
                            # then kept in the same queue.
                            "DeadLetterConfig": {"Arn": arn(PHOTO_DEAD_LETTERS)},
                            "RetryPolicy": {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600},
                            "Pattern": {
                                "detail": {
                                    "bucket": {"name": [ref(IMAGE_BUCKET)]},
                                    "object": {"key": [{"wildcard": UPLOAD_KEY_WILDCARD}]},
                                }
                            }
                        }
                    }
                },
            }
        },
    }
