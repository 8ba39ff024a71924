"""Runs the start-up path of AWS's metered-container sample against meterd.

Run by TestContainerSampleStartUp as
    startup.py SAMPLE_APP_DIR PRODUCT_CODE DIMENSION QUANTITY
with AWS_ENDPOINT_URL_MARKETPLACE_METERING pointing at meterd and the buyer's
keys in the environment. SAMPLE_APP_DIR holds the sample's unmodified
marketplace.py (aws-samples/aws-marketplace-metered-container-product, app/).

The sample keeps its dimensions in DynamoDB; here they live in memory, with
QUANTITY pending on DIMENSION. Everything else is the sample's own code:
MeterUsageIntegration's constructor sends MeterUsage(DryRun=True) for every
dimension and records any error as fatal ("init"); its thread then meters
the pending quantity for real and sleeps an hour, which is where this
driver stops it. Prints one JSON line: the sample's state, the quantities
left and every MeterUsage call with its answer.
"""
import json
import sys
import threading
import types

import boto3

try:
    import pytz  # noqa: F401  (imported by the sample, never used by it)
except ImportError:
    sys.modules["pytz"] = types.ModuleType("pytz")

app_dir, product, dimension, quantity = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, app_dir)
import marketplace  # noqa: E402

calls = []


def before_call(params, **kwargs):
    body = json.loads(params["body"])
    calls.append({"DryRun": body.get("DryRun", False), "UsageQuantity": body.get("UsageQuantity"),
                  "Timestamp": body.get("Timestamp")})


def after_call(http_response, parsed, **kwargs):
    calls[-1]["status"] = http_response.status_code
    calls[-1]["error"] = parsed.get("Error", {}).get("Code", "")
    calls[-1]["MeteringRecordId"] = parsed.get("MeteringRecordId", "")


boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register("before-call.marketplace-metering.MeterUsage", before_call)
boto3.DEFAULT_SESSION.events.register("after-call.marketplace-metering.MeterUsage", after_call)


class MemoryDimensions(marketplace.AbstractDimensionsStorage):
    """The sample's storage interface without DynamoDB."""

    def __init__(self, name, pending):
        self.dims = {name: marketplace.Dimension(name, pending)}

    def get_dimensions(self):
        return list(self.dims.values())

    def add_dimension_quantity(self, dimension, quantity):
        self.dims[dimension.name].quantity += quantity

    def reset_dimensions_quantity(self, dimension):
        self.dims[dimension.name].quantity = 0

    def max_timestamp(self):
        return max(d.timestamp for d in self.dims.values())


class Stop(Exception):
    """Raised by the sample's hourly sleep to end its metering thread."""


def stop_sleeping(seconds):
    raise Stop()


marketplace.sleep = stop_sleeping
threading.excepthook = lambda args: None if args.exc_type is Stop else sys.__excepthook__(
    args.exc_type, args.exc_value, args.exc_traceback)

storage = MemoryDimensions(dimension, quantity)
integration = marketplace.MeterUsageIntegration("us-east-1", product, storage)
for t in threading.enumerate():
    if t is not threading.current_thread():
        t.join(timeout=60)
print(json.dumps({"state": integration.get_state()["state"],
                  "pending": {d.name: d.quantity for d in storage.get_dimensions()},
                  "calls": calls}))
