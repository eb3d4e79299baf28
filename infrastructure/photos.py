"""The photo-processing function's extras: the imaging layer (Pillow) and its narrowed event rule."""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import ref, sub
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


def photo_processing_resources() -> dict[str, Any]:
    """The imaging layer, and two additions to the Chalice-generated photo function.

    `chalice package --merge-template` merges dicts key by key and replaces lists, so these partial
    entries only (1) replace the function's Layers (Chalice's shared layer plus Pillow; Chalice's own
    `layers` setting accepts only ARNs of layers that already exist) and (2) narrow its EventBridge
    rule to uploads in this stack's image bucket (the decorator in code cannot name the bucket; the
    handler checks bucket and key again, and locally that check is what filters).
    """
    return {
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
                "Events": {
                    PHOTO_FUNCTION_EVENT: {
                        "Properties": {
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
