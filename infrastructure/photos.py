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


def photo_processing_resources() -> dict[str, Any]:
    """The imaging layer, and two additions to the Chalice-generated photo function.

    `chalice package --merge-template` merges dicts key by key and replaces lists, so these partial
    entries only (1) replace the function's Layers (Chalice's shared layer plus Pillow; Chalice's own
    `layers` setting accepts only ARNs of layers that already exist) and (2) narrow its EventBridge
    rule to uploads in this stack's image bucket (the decorator in code cannot name the bucket; the
    handler checks bucket and key again, and locally that check is what filters).
    """
    return {
        PHOTO_DEAD_LETTERS: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": sub(f"{PHOTO_DEAD_LETTERS_NAME}"),
                "MessageRetentionPeriod": 14 * 86_400,  # the longest SQS keeps: two weeks to look
                "SqsManagedSseEnabled": True,
                "Tags": tags(),
            },
        },
        f"{PHOTO_DEAD_LETTERS}Policy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [ref(PHOTO_DEAD_LETTERS)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Sid": "EventBridgeDeliversFailedPhotoEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn(PHOTO_DEAD_LETTERS),
                    "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                }]},
            },
        },
        f"{PHOTO_DEAD_LETTERS}Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": sub(f"{APP_NAME}-${{Stage}}-photo-dead-letters"),
                "AlarmDescription": "A photo upload event could not be processed (after EventBridge's and "
                                    "Lambda's retries) and waits in the dead-letter queue.",
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [PHOTO_DEAD_LETTERS, "QueueName"]}}],
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
