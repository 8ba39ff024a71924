"""Fault injection with boto3: run by TestBoto3RetriesFaults as
boto3_sim.py URL ADMIN_TOKEN RETRY_MODE.

Each step adds a fault rule through meterd's admin API, then makes the call
a seller's code makes, with botocore's own retries in RETRY_MODE (legacy,
standard or adaptive). Prints one JSON line of what it was answered, for the
Go test to compare with the ledger; exits non-zero on the first surprise.
"""
import datetime
import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, admin_token, mode = sys.argv[1], sys.argv[2], sys.argv[3]


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + admin_token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def check(cond, what):
    if not cond:
        sys.exit("boto3 sim (%s): %s" % (mode, what))


def client(key):
    # total_max_attempts counts the first call, in every retry mode.
    cfg = Config(retries={"mode": mode, "total_max_attempts": 4})
    return boto3.client("meteringmarketplace", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=key, config=cfg)


hour = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
buyer, seller = client("buyer"), client("test")
out = {}

# Throttled twice, then served: botocore retries, one record is stored.
admin("POST", "/admin/v1/faults", {"operation": "MeterUsage", "error": "ThrottlingException", "count": 2})
meter = buyer.meter_usage(ProductCode="demo-ami", Timestamp=hour, UsageDimension="vcpu_hours", UsageQuantity=4)
check(meter["ResponseMetadata"]["RetryAttempts"] == 2, "MeterUsage retried %d times" % meter["ResponseMetadata"]["RetryAttempts"])
out["meter"] = meter["MeteringRecordId"]

# The answer is lost after the commit: the retry gets the stored record.
admin("POST", "/admin/v1/faults", {"operation": "BatchMeterUsage", "drop": True, "count": 1})
batch = seller.batch_meter_usage(ProductCode="demo-saas", UsageRecords=[
    {"CustomerIdentifier": "demo-customer", "Dimension": "users", "Quantity": 3, "Timestamp": hour}])
check(batch["ResponseMetadata"]["RetryAttempts"] == 1, "dropped BatchMeterUsage retried %d times" % batch["ResponseMetadata"]["RetryAttempts"])
check(batch["Results"][0]["Status"] == "Success", "dropped BatchMeterUsage: " + batch["Results"][0]["Status"])
out["batch"] = batch["Results"][0]["MeteringRecordId"]

# Half of the records come back unprocessed, and are not retried by botocore.
admin("POST", "/admin/v1/faults", {"operation": "BatchMeterUsage", "unprocessed": 0.5, "seed": 3, "count": 1})
records = [{"CustomerIdentifier": "demo-customer", "Dimension": "users", "Quantity": q,
            "Timestamp": hour - datetime.timedelta(hours=q)} for q in (1, 2)]
part = seller.batch_meter_usage(ProductCode="demo-saas", UsageRecords=records)
check(len(part["Results"]) == 1 and len(part["UnprocessedRecords"]) == 1, "unprocessed share: %s" % part)
out["unprocessed"] = [r["MeteringRecordId"] for r in part["Results"]]

# A modeled error is not retried.
admin("POST", "/admin/v1/faults", {"operation": "MeterUsage", "error": "CustomerNotEntitledException", "count": 1})
try:
    buyer.meter_usage(ProductCode="demo-ami", Timestamp=hour, UsageDimension="vcpu_hours", UsageQuantity=4)
    check(False, "injected CustomerNotEntitledException was not raised")
except ClientError as e:
    check(e.response["Error"]["Code"] == "CustomerNotEntitledException", "got " + e.response["Error"]["Code"])
    check(e.response["ResponseMetadata"]["RetryAttempts"] == 0, "a client error was retried")

check(admin("GET", "/admin/v1/faults")["rules"] == [], "rules left")
print(json.dumps(out))
