#!/usr/bin/env python3
"""Prints botocore's SigV4 results for a table of S3 requests, as JSON, for the Swift signer's tests.

Every request goes through a real botocore client (serializer, endpoint rules, signer) with the clock
frozen; the request is captured just before it would be sent, so nothing touches the network. For each
case it prints the inputs (method, raw key, raw query, the extra headers botocore signed, the payload
hash) and botocore's outputs (URL, canonical request, string to sign, Authorization header or presigned
URL). The Swift test rebuilds each request from the inputs alone and compares every string.

Pinned: botocore 1.43.11 (Scripts/install-python-tools.sh).
"""
import datetime
import json
import sys
from urllib.parse import parse_qsl, urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.config import Config

FROZEN = datetime.datetime(2026, 3, 14, 15, 9, 26)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=="

botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FROZEN

captured = {}
original_canonical = botocore.auth.SigV4Auth.canonical_request
original_string_to_sign = botocore.auth.SigV4Auth.string_to_sign


def canonical_request(self, request):
    captured["canonicalRequest"] = original_canonical(self, request)
    return captured["canonicalRequest"]


def string_to_sign(self, request, canonical):
    captured["stringToSign"] = original_string_to_sign(self, request, canonical)
    return captured["stringToSign"]


botocore.auth.SigV4Auth.canonical_request = canonical_request
botocore.auth.SigV4Auth.string_to_sign = string_to_sign


class Captured(Exception):
    pass


def capture(request, **kwargs):
    captured["url"] = request.url
    captured["headers"] = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    raise Captured()


def client(endpoint, region, addressing, token, sign_payload=None):
    session = botocore.session.get_session()
    s3 = {"addressing_style": addressing}
    if sign_payload is not None:
        s3["payload_signing_enabled"] = sign_payload
    config = Config(
        signature_version="s3v4",
        s3=s3,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 1},
    )
    c = session.create_client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=config,
    )
    c.meta.events.register("before-send", capture)
    return c


# name, endpoint (None: AWS), region, addressing, token, operation, params, sign_payload
KEYS = {
    "plain": "jobs/job_1/episode.mp3",
    "space": "my folder/my file.wav",
    "unicode": "música/épisode ü 日本.mp3",
    "plus-equals": "a+b=c/d+e.txt",
    "tilde": "~user/file~1.txt",
    "percent": "100%/50%25.txt",
    "sub-delims": "it's (a) test!*.txt",
    "reserved": "a&b;c:d@e$f,g#h?i[j].txt",
}
CASES = []
for name, key in KEYS.items():
    CASES.append((f"get-{name}-path", "http://127.0.0.1:9000", "us-east-1", "path", None, "get_object", {"Key": key}, None))
    CASES.append((f"get-{name}-virtual", None, "eu-west-3", "virtual", None, "get_object", {"Key": key}, None))
CASES += [
    ("put-empty-path", "http://127.0.0.1:9000", "us-east-1", "path", None, "put_object", {"Key": "empty.bin", "Body": b""}, None),
    ("put-body-path", "http://127.0.0.1:9000", "us-east-1", "path", None, "put_object", {"Key": "hello world.txt", "Body": b"Hello, S3!\n", "ContentType": "text/plain"}, None),
    ("put-unsigned-virtual", None, "us-west-2", "virtual", None, "put_object", {"Key": "big/file.bin", "Body": b"payload", "ContentType": "application/octet-stream"}, False),
    ("create-multipart", None, "us-east-1", "virtual", None, "create_multipart_upload", {"Key": "big/a b+c.bin", "ContentType": "video/mp4"}, None),
    ("upload-part", None, "us-east-1", "virtual", None, "upload_part", {"Key": "big/a b+c.bin", "PartNumber": 3, "UploadId": "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA", "Body": b"part"}, False),
    ("list-v2-empty-prefix", "http://127.0.0.1:9000", "us-east-1", "path", None, "list_objects_v2", {"Prefix": ""}, None),
    ("list-v2-prefix-token", None, "ap-southeast-2", "virtual", None, "list_objects_v2", {"Prefix": "jobs/a b/", "MaxKeys": 2, "ContinuationToken": "1/ab+cd=="}, None),
    ("r2-get", "https://0123456789abcdef.r2.cloudflarestorage.com", "auto", "path", None, "get_object", {"Key": "media/voice 1.wav"}, None),
    ("r2-head", "https://0123456789abcdef.r2.cloudflarestorage.com", "auto", "path", None, "head_object", {"Key": "media/ü.wav"}, None),
    ("token-get", None, "us-east-1", "virtual", TOKEN, "get_object", {"Key": "secret/report.pdf", "Range": "bytes=0-9"}, None),
    ("token-delete-path", "http://127.0.0.1:9000", "us-east-1", "path", TOKEN, "delete_object", {"Key": "old/x=1.txt"}, None),
    ("head-bucket", "http://127.0.0.1:9000", "us-east-1", "path", None, "head_bucket", {}, None),
    ("abort-multipart", "https://minio.example.com:9443", "us-east-1", "path", None, "abort_multipart_upload", {"Key": "k", "UploadId": "2~abc/def+ghi="}, None),
    ("list-multipart", "http://127.0.0.1:9000", "us-east-1", "path", None, "list_multipart_uploads", {"Prefix": "big/"}, None),
]
PRESIGNED = [
    ("presign-get-path", "http://127.0.0.1:9000", "us-east-1", "path", None, "get_object", {"Key": "my folder/ü+=.mp3"}, 3600),
    ("presign-get-virtual-disposition", None, "eu-central-1", "virtual", None, "get_object", {"Key": "out/episode 1.mp3", "ResponseContentDisposition": 'attachment; filename="_pisode 1.mp3"; filename*=UTF-8\'\'%C3%89pisode%201.mp3'}, 900),
    ("presign-get-r2", "https://0123456789abcdef.r2.cloudflarestorage.com", "auto", "path", None, "get_object", {"Key": "a/b~c!*'().txt"}, 604800),
    ("presign-get-token", None, "us-east-1", "virtual", TOKEN, "get_object", {"Key": "x y.bin"}, 60),
    ("presign-put-content-type", "http://127.0.0.1:9000", "us-east-1", "path", None, "put_object", {"Key": "uploads/new file.wav", "ContentType": "audio/wav"}, 600),
]

BUCKET = "example-bucket"
SIGNED_BY_SIGNER = {"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"}


def signed_names(canonical):
    return canonical.split("\n")[-2].split(";")


out = []
for name, endpoint, region, addressing, token, operation, params, sign_payload in CASES:
    captured.clear()
    c = client(endpoint, region, addressing, token, sign_payload)
    try:
        getattr(c, operation)(Bucket=BUCKET, **params)
    except Captured:
        pass
    headers = captured["headers"]
    parts = urlsplit(captured["url"])
    extra = {n: headers[n] for n in signed_names(captured["canonicalRequest"]) if n not in SIGNED_BY_SIGNER}
    body = params.get("Body")
    out.append({
        "name": name,
        "kind": "header",
        "endpoint": endpoint,
        "region": region,
        "addressing": addressing,
        "sessionToken": token,
        "bucket": BUCKET,
        "key": params.get("Key"),
        "method": captured["canonicalRequest"].split("\n")[0],
        "query": [[k, v] for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        "headers": extra,
        "body": body.decode() if body is not None else None,
        "unsignedPayload": headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD",
        "url": captured["url"],
        "canonicalRequest": captured["canonicalRequest"],
        "stringToSign": captured["stringToSign"],
        "authorization": headers["authorization"],
    })

for name, endpoint, region, addressing, token, operation, params, expires in PRESIGNED:
    captured.clear()
    c = client(endpoint, region, addressing, token)
    url = c.generate_presigned_url(operation, Params={"Bucket": BUCKET, **params}, ExpiresIn=expires)
    parts = urlsplit(url)
    auth = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"}
    out.append({
        "name": name,
        "kind": "presigned",
        "endpoint": endpoint,
        "region": region,
        "addressing": addressing,
        "sessionToken": token,
        "bucket": BUCKET,
        "key": params.get("Key"),
        "method": captured["canonicalRequest"].split("\n")[0],
        "query": [[k, v] for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in auth],
        "headers": {n: v for n, v in captured.get("presignHeaders", {}).items()},
        "signedHeaders": signed_names(captured["canonicalRequest"]),
        "contentType": params.get("ContentType"),
        "expires": expires,
        "url": url,
        "canonicalRequest": captured["canonicalRequest"],
        "stringToSign": captured["stringToSign"],
    })

json.dump({"time": FROZEN.strftime("%Y%m%dT%H%M%SZ"), "epochSeconds": int(FROZEN.replace(tzinfo=datetime.timezone.utc).timestamp()), "accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY, "botocore": botocore.__version__, "cases": out}, sys.stdout, indent=1, ensure_ascii=False)
