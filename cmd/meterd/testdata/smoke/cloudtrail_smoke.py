"""CloudTrail smoke test: run by TestSmokeCloudTrail with the URL, the admin
token and a file path as argv[1:4].

boto3 makes calls (accepted, a modeled error, a bad signature); an admin call
mints a token; then, with only the standard library (urllib, gzip, json), as
any CloudTrail tool would, the call log is awaited and the export is read
back and checked field by field. Exits non-zero with a message on the first
wrong answer.
"""
import datetime
import gzip
import json
import sys
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, admin_token, export_file = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = Config(retries={"max_attempts": 1})
since = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check(cond, what):
    if not cond:
        sys.exit("cloudtrail smoke: " + what)


def metering(key, secret, region="us-east-1"):
    return boto3.client("meteringmarketplace", endpoint_url=url, region_name=region,
                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


def admin(method, path, query=None, body=None):
    full = url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(full, data=data, method=method,
                                 headers={"Authorization": "Bearer " + admin_token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()


hour = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
ok = metering("test", "test").batch_meter_usage(ProductCode="demo-saas", UsageRecords=[
    {"CustomerIdentifier": "demo-customer", "Dimension": "users", "Quantity": 3, "Timestamp": hour}])
check(ok["Results"][0]["Status"] == "Success", "batch not accepted")
errors = {}
for name, client, dimension in [("modeled", metering("buyer", "buyer"), "nope"),
                                ("signature", metering("buyer", "wrong-secret", "eu-west-1"), "vcpu_hours")]:
    try:
        client.meter_usage(ProductCode="demo-ami", Timestamp=hour, UsageDimension=dimension, UsageQuantity=1)
        check(False, name + " call was accepted")
    except ClientError as e:
        errors[name] = (e.response["Error"]["Code"], e.response["Error"]["Message"])
admin("POST", "/admin/v1/registration-tokens", body={"productCode": "demo-saas", "customerIdentifier": "demo-customer"})

# The call log, as curl would ask it: wait until the four calls are in.
calls = json.loads(admin("GET", "/admin/v1/calls", {"since": since, "min": "4", "wait": "10s"}))
check(calls["met"] and calls["calls"] == 4, "call log: %s" % {k: calls[k] for k in ("met", "calls", "records")})

with open(export_file, "wb") as f:
    f.write(admin("GET", "/admin/v1/audit/export", {"startTime": since}))
with gzip.open(export_file, "rt") as f:
    records = json.load(f)["Records"]
mine = [r for r in records if r["eventName"] not in ("ListCalls",)]
check(len(mine) == 4, "export holds %d calls, want 4: %s" % (len(mine), [r["eventName"] for r in records]))
mine.reverse()  # newest first in the file
batch, modeled, signature, token = mine

for r in mine:
    check(r["eventVersion"] == "1.08" and r["eventType"] == "AwsApiCall", "constant fields of " + r["eventName"])
    check(r["sourceIPAddress"] == "127.0.0.1" and r["eventID"] and r["requestID"], "ids of " + r["eventName"])
    check(r["eventTime"].endswith("Z") and len(r["eventTime"]) == 20, "eventTime " + r["eventTime"])
    check("Botocore" in r["userAgent"] or "Python-urllib" in r["userAgent"], "userAgent " + r["userAgent"])

check(batch["eventName"] == "BatchMeterUsage" and batch["eventSource"] == "metering-marketplace.amazonaws.com", "batch event")
check(batch["userIdentity"]["type"] == "IAMUser" and batch["userIdentity"]["accessKeyId"] == "test"
      and batch["userIdentity"]["accountId"] == "111122223333", "batch identity %s" % batch["userIdentity"])
check(batch["requestParameters"]["usageRecords"][0]["customerIdentifier"] == "demo-customer", "batch parameters")
check(batch["responseElements"]["results"][0]["status"] == "Success", "batch response")
check("errorCode" not in batch and batch["recipientAccountId"] == "111122223333", "batch outcome")

check(modeled["errorCode"] == errors["modeled"][0] == "InvalidUsageDimensionException", "modeled code")
check(modeled["errorMessage"] == errors["modeled"][1], "modeled message %r" % modeled["errorMessage"])
check(modeled["responseElements"] is None, "an error has no responseElements")

check(signature["errorCode"] == errors["signature"][0] == "InvalidSignatureException", "signature code")
check(signature["userIdentity"] == {"type": "Unknown", "accessKeyId": "buyer"}, "signature identity %s" % signature["userIdentity"])
check(signature["awsRegion"] == "eu-west-1", "signature region")

check(token["eventName"] == "CreateRegistrationToken" and token["eventSource"] == "admin.meterd.localhost", "admin event")
check(token["requestParameters"]["productCode"] == "demo-saas", "admin parameters")
text = json.dumps(records)
check(admin_token not in text and "wrong-secret" not in text, "a secret is in the trail")
print("cloudtrail smoke: ok")
