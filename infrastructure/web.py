"""The SPA's hosting: a private bucket behind CloudFront, which also sends /api/* to the REST API, so
the app, its API and its security headers (infrastructure/web_security.py) share one origin."""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import ref, sub, tags
from infrastructure.naming import (
    ALL_VIEWER_EXCEPT_HOST,
    API_STAGE,
    APP_NAME,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    CHALICE_REST_API,
    CHALICE_WEBSOCKET_API,
    HAS_WEB_DOMAIN,
    IMAGE_BUCKET_NAME,
    WEB_BUCKET,
    WEB_CERTIFICATE_PARAMETER,
    WEB_DISTRIBUTION,
    WEB_DOMAIN_PARAMETER,
    WEB_HEADERS,
    WEB_ORIGIN_ACCESS,
    WEB_ROUTER,
)
from infrastructure.storage import BLOCK_PUBLIC_ACCESS, tls_only_policy
from infrastructure.web_security import (
    FRAME_OPTIONS,
    HSTS_MAX_AGE_SECONDS,
    PERMISSIONS_POLICY,
    REFERRER_POLICY,
    content_security_policy,
)

# Extension-less paths are the SPA's own routes (/cases/123): they get index.html. Only on the web
# behaviour: the API's own 404s must reach the client as they are.
SPA_ROUTER_CODE = """function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


def _content_security_policy() -> dict[str, str]:
    """What the SPA may load and reach: itself, the WebSocket API and presigned image URLs."""
    websocket = f"wss://${{{CHALICE_WEBSOCKET_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
    # From the bucket's name, not its attributes: the bucket's CORS names the distribution (no cycle).
    bucket = IMAGE_BUCKET_NAME
    images = [f"https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}", f"https://{bucket}.s3.${{AWS::URLSuffix}}"]
    return sub(content_security_policy(websocket_origins=[websocket], image_origins=images))


def web_resources() -> dict[str, Any]:
    distribution_arn = sub(
        f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{WEB_DISTRIBUTION}}}"
    )
    bucket_policy = tls_only_policy(WEB_BUCKET)
    bucket_policy["Properties"]["PolicyDocument"]["Statement"].append({
        "Sid": "ReadThroughCloudFrontOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": {"Fn::Sub": f"${{{WEB_BUCKET}.Arn}}/*"},
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    })
    security_headers = {
        "ContentSecurityPolicy": {"ContentSecurityPolicy": _content_security_policy(), "Override": True},
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": HSTS_MAX_AGE_SECONDS, "IncludeSubdomains": True,
                                    "Preload": True, "Override": True},
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"FrameOption": FRAME_OPTIONS, "Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": REFERRER_POLICY, "Override": True},
    }
    return {
        WEB_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                # The built SPA holds no patient data; S3-managed keys let CloudFront read it.
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "Tags": tags(),
            },
        },
        f"{WEB_BUCKET}Policy": bucket_policy,
        WEB_ORIGIN_ACCESS: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": sub(f"{APP_NAME}-${{Stage}}-web"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        WEB_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": sub(f"{APP_NAME}-${{Stage}}-security-headers"),
                    "SecurityHeadersConfig": security_headers,
                    "CustomHeadersConfig": {"Items": [{
                        "Header": "Permissions-Policy",
                        "Value": PERMISSIONS_POLICY,
                        "Override": True,
                    }]},
                }
            },
        },
        WEB_ROUTER: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": sub(f"{APP_NAME}-${{Stage}}-spa-router"),
                "AutoPublish": True,
                "FunctionCode": SPA_ROUTER_CODE,
                "FunctionConfig": {"Comment": "SPA routes get index.html", "Runtime": "cloudfront-js-2.0"},
            },
        },
        WEB_DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            # cfn-lint checks WebCertificateArn's default ("": no custom domain) against the ARN pattern;
            # it is only used under HasWebDomain, and the template's Rule requires a real ARN then.
            "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}},
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": sub(f"{APP_NAME} ${{Stage}}: the web app and its API"),
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "DefaultRootObject": "index.html",
                    "Aliases": {"Fn::If": [HAS_WEB_DOMAIN, [ref(WEB_DOMAIN_PARAMETER)], ref("AWS::NoValue")]},
                    "ViewerCertificate": {"Fn::If": [
                        HAS_WEB_DOMAIN,
                        {"AcmCertificateArn": ref(WEB_CERTIFICATE_PARAMETER), "SslSupportMethod": "sni-only",
                         "MinimumProtocolVersion": "TLSv1.2_2021"},
                        {"CloudFrontDefaultCertificate": True},
                    ]},
                    "Origins": [
                        {
                            "Id": "web",
                            "DomainName": {"Fn::GetAtt": [WEB_BUCKET, "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": [WEB_ORIGIN_ACCESS, "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        },
                        {
                            "Id": "api",
                            "DomainName": sub(
                                f"${{{CHALICE_REST_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
                            ),
                            "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                                   "OriginSSLProtocols": ["TLSv1.2"]},
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "web",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": ref(WEB_HEADERS),
                        "FunctionAssociations": [
                            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [WEB_ROUTER, "FunctionARN"]}}
                        ],
                    },
                    "CacheBehaviors": [
                        {
                            # The REST API stage is named like the path ("/api/cases" -> stage api).
                            "PathPattern": f"/{API_STAGE}/*",
                            "TargetOriginId": "api",
                            "ViewerProtocolPolicy": "https-only",
                            "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                            "CachePolicyId": CACHING_DISABLED,
                            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                            "ResponseHeadersPolicyId": ref(WEB_HEADERS),
                        }
                    ],
                }
            },
        },
    }
