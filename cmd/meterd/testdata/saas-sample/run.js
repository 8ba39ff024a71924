// Runs the Lambda handlers of AWS's serverless SaaS integration sample
// (aws-samples/aws-marketplace-serverless-saas-integration, src/, unmodified)
// against meterd for AWS Marketplace and moto_server for DynamoDB and SQS,
// as its CloudFormation template wires them: the registration page's POST,
// the entitlement queue, the hourly metering job and the metering queue.
// Run by TestServerlessSaaSSample as
//   NODE_PATH=<dir with aws-sdk> node run.js SAMPLE_SRC METERD_URL MOTO_URL REGISTRATION_TOKEN OUT
// and writes one JSON object with what each step saw to the file OUT (the
// handlers log to standard output).
const path = require("path");
const AWS = require("aws-sdk");

const fs = require("fs");

const [src, meterd, moto, regToken, outFile] = process.argv.slice(2);

// The sample's clients take no endpoint; the per-service config (README,
// "Point your client at meterd") sends Marketplace calls to meterd and the
// rest to moto. The handlers create their clients at load, so this and the
// environment come first.
AWS.config.update({
  region: "us-east-1",
  maxRetries: 0,
  marketplacemetering: { endpoint: meterd },
  marketplaceentitlementservice: { endpoint: meterd },
  dynamodb: { endpoint: moto },
  sqs: { endpoint: moto },
});
const dynamodb = new AWS.DynamoDB();
const sqs = new AWS.SQS();

async function setUp() {
  await dynamodb.createTable({
    TableName: "NewSubscribers",
    AttributeDefinitions: [{ AttributeName: "customerIdentifier", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "customerIdentifier", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  }).promise();
  // As template.yaml's AWSMarketplaceMeteringRecords table.
  await dynamodb.createTable({
    TableName: "MeteringRecords",
    AttributeDefinitions: [
      { AttributeName: "customerIdentifier", AttributeType: "S" },
      { AttributeName: "create_timestamp", AttributeType: "N" },
      { AttributeName: "metering_pending", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "customerIdentifier", KeyType: "HASH" },
      { AttributeName: "create_timestamp", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: "PendingMeteringRecordsIndex",
      KeySchema: [{ AttributeName: "metering_pending", KeyType: "HASH" }],
      Projection: { ProjectionType: "ALL" },
    }],
    BillingMode: "PAY_PER_REQUEST",
  }).promise();
  const entitlementQueue = (await sqs.createQueue({ QueueName: "EntitlementSQSQueue" }).promise()).QueueUrl;
  const meteringQueue = (await sqs.createQueue({
    QueueName: "SQSMeteringRecords.fifo",
    Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" },
  }).promise()).QueueUrl;
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    NewSubscribersTableName: "NewSubscribers",
    EntitlementQueueUrl: entitlementQueue,
    AWSMarketplaceMeteringRecordsTableName: "MeteringRecords",
    SQSMeteringRecordsUrl: meteringQueue,
    ProductCode: "demo-saas",
  });
  return { entitlementQueue, meteringQueue };
}

// receive takes every message of a queue, as the Lambda SQS trigger would
// hand them to a handler.
async function receive(queueUrl) {
  const got = await sqs.receiveMessage({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }).promise();
  const messages = got.Messages || [];
  for (const m of messages) {
    await sqs.deleteMessage({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }).promise();
  }
  return { Records: messages.map((m) => ({ body: m.Body })) };
}

async function getItem(table, key) {
  const got = await dynamodb.getItem({ TableName: table, Key: AWS.DynamoDB.Converter.marshall(key) }).promise();
  return got.Item ? AWS.DynamoDB.Converter.unmarshall(got.Item) : null;
}

async function main() {
  const queues = await setUp();
  const load = (name) => require(path.resolve(src, name));
  const register = load("register-new-subscriber.js");
  const out = {};

  // The registration page's POST (web/index.html), then one with a made-up token.
  const form = { companyName: "Example Corp", contactPerson: "Jane Doe", contactPhone: "555-0100", contactEmail: "jane@example.com" };
  out.register = (await register.registerNewSubscriber({ body: JSON.stringify({ ...form, regToken }) })).statusCode;
  out.registerBogus = (await register.registerNewSubscriber({ body: JSON.stringify({ ...form, regToken: "bm90IGEgdG9rZW4=" }) })).statusCode;
  const subscribers = await dynamodb.scan({ TableName: "NewSubscribers" }).promise();
  out.subscribers = subscribers.Items.map((i) => AWS.DynamoDB.Converter.unmarshall(i));
  const customer = out.subscribers.length === 1 ? out.subscribers[0].customerIdentifier : "";

  // The entitlement queue's message goes to its handler: GetEntitlements.
  const entitlementEvent = await receive(queues.entitlementQueue);
  out.entitlementMessages = entitlementEvent.Records.length;
  await load("entitlement-sqs.js").handler(entitlementEvent);
  out.subscriber = await getItem("NewSubscribers", { customerIdentifier: customer });

  // The SaaS app writes usage; the hourly job adds it up per customer and
  // queues it; the metering handler sends it with BatchMeterUsage, one
  // call per customer. idle-customer is a customer of meterd's catalog not
  // subscribed to the product; no-such-customer is no customer at all.
  const now = Date.now();
  const usage = [
    [customer, now, [{ dimension: "users", value: 3 }, { dimension: "api_calls", value: 100 }]],
    [customer, now + 1, [{ dimension: "api_calls", value: 50 }]],
    ["idle-customer", now, [{ dimension: "users", value: 1 }]],
    ["no-such-customer", now, [{ dimension: "users", value: 1 }]],
  ];
  for (const [c, ts, dims] of usage) {
    await dynamodb.putItem({
      TableName: "MeteringRecords",
      Item: AWS.DynamoDB.Converter.marshall({ customerIdentifier: c, create_timestamp: ts, metering_pending: "true", dimension_usage: dims }),
    }).promise();
  }
  await load("metering-hourly-job.js").job();
  const meteringEvent = await receive(queues.meteringQueue);
  out.meteringMessages = meteringEvent.Records.length;
  await load("metering-sqs.js").handler(meteringEvent);
  out.metered = [];
  for (const [c, ts] of usage) {
    const item = await getItem("MeteringRecords", { customerIdentifier: c, create_timestamp: ts });
    out.metered.push({
      customer: c,
      pending: item.metering_pending !== undefined,
      failed: item.metering_failed,
      response: item.metering_response === undefined ? null : JSON.parse(item.metering_response),
    });
  }
  fs.writeFileSync(outFile, JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
