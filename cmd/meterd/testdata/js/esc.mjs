// The calls of AWS's sovereign-cloud SaaS sample
// (aws-samples/sample-aws-marketplace-serverless-saas-integration-esc, src/)
// with its clients built as it builds them: JS v3, `{ region: AWS_REGION }`
// only, so the endpoint comes from AWS_ENDPOINT_URL_* and the signature's
// region is eusc-de-east-1. Run by TestSovereignCloudSampleCalls as
// `node esc.mjs REGISTRATION_TOKEN`.
import {
  MarketplaceMeteringClient, ResolveCustomerCommand, BatchMeterUsageCommand,
} from "@aws-sdk/client-marketplace-metering";
import {
  MarketplaceEntitlementServiceClient, GetEntitlementsCommand,
} from "@aws-sdk/client-marketplace-entitlement-service";

const region = process.env.AWS_REGION;
const check = (cond, what) => { if (!cond) { console.error("esc sample: " + what); process.exit(1); } };
const marketplacemetering = new MarketplaceMeteringClient({ region });

// register-new-subscriber.js
const customer = await marketplacemetering.send(new ResolveCustomerCommand({ RegistrationToken: process.argv[2] }));
const { ProductCode, CustomerAWSAccountId } = customer;
check(ProductCode === "demo-saas" && CustomerAWSAccountId === "444455556666", "ResolveCustomer " + JSON.stringify(customer));

// entitlement-sqs.js
const ents = await new MarketplaceEntitlementServiceClient({ region }).send(new GetEntitlementsCommand({
  ProductCode, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [CustomerAWSAccountId] },
}));
check(ents.Entitlements.length === 1 && ents.Entitlements[0].CustomerAWSAccountId === CustomerAWSAccountId,
  "GetEntitlements " + JSON.stringify(ents.Entitlements));

// metering-sqs.js
const metering = await marketplacemetering.send(new BatchMeterUsageCommand({
  ProductCode,
  UsageRecords: [{ Dimension: "users", Quantity: 3, Timestamp: new Date(), CustomerAWSAccountId }],
}));
check(!metering.Results.find((r) => r.Status !== "Success") && metering.Results.length === 1,
  "BatchMeterUsage " + JSON.stringify(metering.Results));
console.log("esc sample: ok in " + region);
