"""The answer AWS gives a request it will not serve, in the protocol of the service asked.

Codes, statuses and messages per protocol (Lambda's are in its API reference, "Common
Errors": https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html):

- REST-JSON and JSON services (Lambda, CloudWatch Logs, …): ``x-amzn-ErrorType`` header and
  a JSON body; an unsigned call gets ``MissingAuthenticationTokenException``, an unknown key
  ``UnrecognizedClientException``, a wrong signature ``InvalidSignatureException``;
- query services (IAM, STS, SQS's query form, SNS, CloudFormation): an ``ErrorResponse``
  XML document with ``MissingAuthenticationToken``, ``InvalidClientTokenId``,
  ``SignatureDoesNotMatch``;
- EC2: ``AuthFailure`` in EC2's ``Response/Errors`` XML;
- S3: an ``Error`` XML document with ``AccessDenied``, ``InvalidAccessKeyId``,
  ``InvalidToken``, ``SignatureDoesNotMatch``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from lambdalab.access.signature import (
    BAD_SCOPE,
    BAD_SIGNATURE,
    BAD_TOKEN,
    EXPIRED,
    MALFORMED,
    UNKNOWN_KEY,
    UNSIGNED,
    Refusal,
)

REST_JSON, JSON, QUERY, EC2, S3 = "rest-json", "json", "query", "ec2", "s3"
LAMBDA_PATHS = ("/2015-03-31/", "/2014-11-13/", "/2017-03-31/", "/2019-09-25/",
                "/2019-09-30/", "/2020-04-22/", "/2020-06-30/", "/2021-10-31/")
INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult "
                      "the service documentation for details.")
EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
INCOMPLETE = "The request signature does not conform to AWS standards."
WRONG_REGION = "Credential should be scoped to a valid region, not '{detail}'. "

ANSWERS: dict[tuple[str, str], tuple[int, str, str]] = {
    (UNSIGNED, REST_JSON): (403, "MissingAuthenticationTokenException",
                            "Missing Authentication Token"),
    (UNSIGNED, JSON): (400, "MissingAuthenticationTokenException",
                       "Request is missing Authentication Token"),
    (UNSIGNED, QUERY): (403, "MissingAuthenticationToken",
                        "Request is missing Authentication Token"),
    (UNSIGNED, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (UNSIGNED, S3): (403, "AccessDenied", "Access Denied"),
    (MALFORMED, REST_JSON): (403, "IncompleteSignatureException", INCOMPLETE),
    (MALFORMED, JSON): (400, "IncompleteSignatureException", INCOMPLETE),
    (MALFORMED, QUERY): (400, "IncompleteSignature", INCOMPLETE),
    (MALFORMED, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (MALFORMED, S3): (400, "AuthorizationHeaderMalformed",
                      "The authorization header is malformed."),
    (UNKNOWN_KEY, REST_JSON): (403, "UnrecognizedClientException", INVALID_TOKEN),
    (UNKNOWN_KEY, JSON): (400, "UnrecognizedClientException", INVALID_TOKEN),
    (UNKNOWN_KEY, QUERY): (403, "InvalidClientTokenId", INVALID_TOKEN),
    (UNKNOWN_KEY, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (UNKNOWN_KEY, S3): (403, "InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records."),
    (BAD_TOKEN, REST_JSON): (403, "UnrecognizedClientException", INVALID_TOKEN),
    (BAD_TOKEN, JSON): (400, "UnrecognizedClientException", INVALID_TOKEN),
    (BAD_TOKEN, QUERY): (403, "InvalidClientTokenId", INVALID_TOKEN),
    (BAD_TOKEN, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (BAD_TOKEN, S3): (400, "InvalidToken", "The provided token is malformed or otherwise "
                                          "invalid."),
    (BAD_SIGNATURE, REST_JSON): (403, "InvalidSignatureException", SIGNATURE_MISMATCH),
    (BAD_SIGNATURE, JSON): (400, "InvalidSignatureException", SIGNATURE_MISMATCH),
    (BAD_SIGNATURE, QUERY): (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH),
    (BAD_SIGNATURE, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (BAD_SIGNATURE, S3): (403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature "
                          "you provided. Check your key and signing method."),
    # "{detail}": the refusal's own words (a date, a region)
    (EXPIRED, REST_JSON): (403, "InvalidSignatureException", "{detail}"),
    (EXPIRED, JSON): (400, "InvalidSignatureException", "{detail}"),
    (EXPIRED, QUERY): (403, "SignatureDoesNotMatch", "{detail}"),
    (EXPIRED, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (EXPIRED, S3): (403, "RequestTimeTooSkewed", "The difference between the request time "
                                                 "and the current time is too large."),
    (BAD_SCOPE, REST_JSON): (403, "InvalidSignatureException", WRONG_REGION),
    (BAD_SCOPE, JSON): (400, "InvalidSignatureException", WRONG_REGION),
    (BAD_SCOPE, QUERY): (403, "SignatureDoesNotMatch", WRONG_REGION),
    (BAD_SCOPE, EC2): (401, "AuthFailure", EC2_AUTH_FAILURE),
    (BAD_SCOPE, S3): (400, "AuthorizationHeaderMalformed",
                      "The authorization header is malformed; the region '{detail}' is wrong."),
}


def protocol_of(service: str | None, environ: dict[str, Any], body: bytes) -> str:
    """Which error format the client expects, from the service or the request's shape."""
    content_type = environ.get("CONTENT_TYPE", "")
    path = environ.get("PATH_INFO", "")
    if service == "lambda" or path.startswith(LAMBDA_PATHS):
        return REST_JSON
    if service == "s3":
        return S3
    if service == "ec2" or (service is None and b"Action=" in body
                            and b"Version=2016-11-15" in body):
        return EC2
    if environ.get("HTTP_X_AMZ_TARGET") or "amz-json" in content_type:
        return JSON
    if "x-www-form-urlencoded" in content_type or b"Action=" in body:
        return QUERY
    if service is None and not path.startswith("/20"):
        return S3  # an unsigned path-style request that names no API version
    return REST_JSON


def refusal_response(refusal: Refusal, environ: dict[str, Any], body: bytes) -> Response:
    protocol = protocol_of(refusal.service, environ, body)
    status, code, message = ANSWERS[(refusal.reason, protocol)]
    message = message.replace("{detail}", refusal.detail)
    request_id = str(uuid.uuid4())
    if protocol in (REST_JSON, JSON):
        payload = {"message": message} if code.startswith("MissingAuthentication") else {
            "__type": code, "message": message}
        return Response(json.dumps(payload), status, {
            "Content-Type": "application/json", "x-amzn-ErrorType": code,
            "x-amzn-RequestId": request_id})
    return _xml_error(protocol, status, code, message, request_id)


def access_denied_response(service: str, environ: dict[str, Any], body: bytes,
                           message: str) -> Response:
    """IAM's refusal of a signed call, as the service asked words and shapes it: Lambda's
    403 ``AccessDeniedException``; JSON services' 400 ``AccessDeniedException`` (SQS: 403
    ``AccessDenied``); SNS's 403 ``AuthorizationError``; S3's and query services' 403
    ``AccessDenied``; EC2's ``UnauthorizedOperation``."""
    protocol = protocol_of(service, environ, body)
    request_id = str(uuid.uuid4())
    if protocol == REST_JSON:
        return Response(json.dumps({"Type": "User", "Message": message}), 403, {
            "Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException",
            "x-amzn-RequestId": request_id})
    if protocol == JSON:
        key = "Message" if service == "dynamodb" else "message"
        headers = {"Content-Type": "application/x-amz-json-1.0",
                   "x-amzn-RequestId": request_id}
        status = 400
        if service == "sqs":  # a query-compatible service: botocore reads the code here
            headers["x-amzn-query-error"] = "AccessDenied;Sender"
            status = 403
        return Response(json.dumps({
            "__type": "com.amazon.coral.service#AccessDeniedException", key: message}),
            status, headers)
    code = {"sns": "AuthorizationError", "ec2": "UnauthorizedOperation"}.get(
        service, "AccessDenied")
    return _xml_error(protocol, 403, code, message, request_id)


def _xml_error(protocol: str, status: int, code: str, message: str,
               request_id: str) -> Response:
    """An error in the XML of a query service, of EC2 or of S3."""
    if protocol == QUERY:
        xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
               f"<Message>{escape(message)}</Message></Error>"
               f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    elif protocol == EC2:
        xml = (f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}"
               f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
    else:
        xml = (f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
               f"<RequestId>{request_id}</RequestId></Error>")
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + xml, status,
                    {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})
