"""Smoke test of meterd with boto3: run by TestSmokeBoto3 with the URL as argv[1].

Exits non-zero with a message on the first wrong answer.
"""
import datetime
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url = sys.argv[1]
cfg = Config(retries={"max_attempts": 1})


def client(service, key):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=key, config=cfg)


def check(cond, what):
    if not cond:
        sys.exit("boto3 smoke: " + what)


hour = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
buyer = client("meteringmarketplace", "buyer")
first = buyer.meter_usage(ProductCode="demo-container", Timestamp=hour, UsageDimension="requests", UsageQuantity=7)
again = buyer.meter_usage(ProductCode="demo-container", Timestamp=hour, UsageDimension="requests", UsageQuantity=7)
check(first["MeteringRecordId"] == again["MeteringRecordId"], "identical MeterUsage returned another id")
try:
    buyer.meter_usage(ProductCode="demo-container", Timestamp=hour, UsageDimension="requests", UsageQuantity=8)
    check(False, "other quantity was accepted")
except ClientError as e:
    check(e.response["Error"]["Code"] == "DuplicateRequestException", "got " + e.response["Error"]["Code"])
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "status of DuplicateRequestException")

seller = client("meteringmarketplace", "test")
out = seller.batch_meter_usage(ProductCode="demo-saas", UsageRecords=[
    {"CustomerIdentifier": "demo-customer", "Dimension": "users", "Quantity": 3, "Timestamp": hour},
    {"CustomerAWSAccountId": "444455556666", "LicenseArn": "arn:aws:license-manager::444455556666:license:l-demosaas0000000000000000000000",
     "Dimension": "api_calls", "Quantity": 40, "Timestamp": hour},
])
check([r["Status"] for r in out["Results"]] == ["Success", "Success"], "batch statuses %r" % out["Results"])

reg = buyer.register_usage(ProductCode="demo-container", PublicKeyVersion=1, Nonce="boto3")
check(reg["Signature"].count(".") == 2, "RegisterUsage signature is not a JWT")

ents = client("marketplace-entitlement", "test").get_entitlements(ProductCode="demo-saas")
check([(e["Dimension"], e["Value"].get("IntegerValue")) for e in ents["Entitlements"]] == [("users", 10)],
      "entitlements %r" % ents["Entitlements"])
print("boto3 smoke: ok")
