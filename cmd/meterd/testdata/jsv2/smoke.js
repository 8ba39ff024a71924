// Smoke test of meterd with the AWS SDK for JavaScript v2: run by
// TestSmokeJSv2 as `node smoke.js URL REGISTRATION_TOKEN`.
//
// JS v2 ignores AWS_ENDPOINT_URL_*, so it takes the README's two recipes:
// the metering client gets its endpoint from the global per-service config,
// the entitlement client from its own constructor.
const AWS = require("aws-sdk");

const [endpoint, registrationToken] = process.argv.slice(2);
const creds = (key) => new AWS.Credentials(key, key);
const check = (cond, what) => { if (!cond) { console.error("js v2 smoke: " + what); process.exit(1); } };

AWS.config.update({ region: "us-east-1", maxRetries: 0, marketplacemetering: { endpoint } });
const buyer = new AWS.MarketplaceMetering({ credentials: creds("buyer") });
const seller = new AWS.MarketplaceMetering({ credentials: creds("test") });
const entitlement = new AWS.MarketplaceEntitlementService({ endpoint, credentials: creds("test") });

async function main() {
  const hour = new Date();
  hour.setUTCMinutes(0, 0, 0);
  const input = { ProductCode: "demo-ami", Timestamp: hour, UsageDimension: "vcpu_hours", UsageQuantity: 2 };
  const dry = await buyer.meterUsage({ ...input, DryRun: true }).promise();
  check(dry.MeteringRecordId === undefined, "DryRun answered " + JSON.stringify(dry));
  const first = await buyer.meterUsage(input).promise();
  const again = await buyer.meterUsage(input).promise();
  check(first.MeteringRecordId && first.MeteringRecordId === again.MeteringRecordId, "identical MeterUsage ids differ");
  try {
    await buyer.meterUsage({ ...input, UsageQuantity: 3 }).promise();
    check(false, "other quantity was accepted");
  } catch (e) {
    check(e.code === "DuplicateRequestException" && e.statusCode === 400 && e.message,
      `modeled error surfaced as ${e.code} ${e.statusCode} ${e.message}`);
  }

  const batch = await seller.batchMeterUsage({
    ProductCode: "demo-saas",
    UsageRecords: [{ CustomerIdentifier: "demo-customer", Dimension: "users", Quantity: 4, Timestamp: hour }],
  }).promise();
  check(batch.Results.length === 1 && batch.Results[0].Status === "Success" && batch.Results[0].MeteringRecordId,
    "batch " + JSON.stringify(batch.Results));

  const customer = await seller.resolveCustomer({ RegistrationToken: registrationToken }).promise();
  check(customer.CustomerIdentifier === "demo-customer" && customer.ProductCode === "demo-saas" &&
    customer.CustomerAWSAccountId === "444455556666", "ResolveCustomer " + JSON.stringify(customer));

  const reg = await buyer.registerUsage({ ProductCode: "demo-container", PublicKeyVersion: 1 }).promise();
  check(reg.Signature.split(".").length === 3, "RegisterUsage signature is not a JWT");

  const ents = await entitlement.getEntitlements({ ProductCode: "demo-saas" }).promise();
  check(ents.Entitlements.length === 1 && ents.Entitlements[0].Dimension === "users" &&
    ents.Entitlements[0].Value.IntegerValue === 10, "entitlements " + JSON.stringify(ents.Entitlements));
  console.log("js v2 smoke: ok");
}

main().catch((e) => { console.error("js v2 smoke:", e.code, e.message); process.exit(1); });
