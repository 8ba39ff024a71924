// Smoke test of meterd with the AWS SDK for JavaScript v3: run by
// TestSmokeJS with the URL as the first argument.
import {
  MarketplaceMeteringClient, MeterUsageCommand, BatchMeterUsageCommand, RegisterUsageCommand,
} from "@aws-sdk/client-marketplace-metering";
import {
  MarketplaceEntitlementServiceClient, GetEntitlementsCommand,
} from "@aws-sdk/client-marketplace-entitlement-service";

const endpoint = process.argv[2];
const client = (Ctor, key) => new Ctor({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: key, secretAccessKey: key },
});
const check = (cond, what) => { if (!cond) { console.error("js smoke: " + what); process.exit(1); } };

const hour = new Date();
hour.setUTCMinutes(0, 0, 0);
const buyer = client(MarketplaceMeteringClient, "buyer");
const input = { ProductCode: "demo-ami", Timestamp: hour, UsageDimension: "vcpu_hours", UsageQuantity: 2 };
const first = await buyer.send(new MeterUsageCommand(input));
const again = await buyer.send(new MeterUsageCommand(input));
check(first.MeteringRecordId && first.MeteringRecordId === again.MeteringRecordId, "identical MeterUsage ids differ");
try {
  await buyer.send(new MeterUsageCommand({ ...input, UsageQuantity: 3 }));
  check(false, "other quantity was accepted");
} catch (e) {
  check(e.name === "DuplicateRequestException", "got " + e.name);
}

const seller = client(MarketplaceMeteringClient, "test");
const batch = await seller.send(new BatchMeterUsageCommand({
  ProductCode: "demo-saas",
  UsageRecords: [{ CustomerIdentifier: "demo-customer", Dimension: "users", Quantity: 4, Timestamp: hour }],
}));
check(batch.Results.length === 1 && batch.Results[0].Status === "Success", "batch " + JSON.stringify(batch.Results));

const reg = await buyer.send(new RegisterUsageCommand({ ProductCode: "demo-container", PublicKeyVersion: 1 }));
check(reg.Signature.split(".").length === 3, "RegisterUsage signature is not a JWT");

const ents = await client(MarketplaceEntitlementServiceClient, "test").send(new GetEntitlementsCommand({ ProductCode: "demo-saas" }));
check(ents.Entitlements.length === 1 && ents.Entitlements[0].Value.IntegerValue === 10, "entitlements " + JSON.stringify(ents.Entitlements));
console.log("js smoke: ok");
