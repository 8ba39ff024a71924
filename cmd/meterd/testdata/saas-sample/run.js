// Runs the Lambda handlers of AWS's serverless SaaS integration sample
// (aws-samples/aws-marketplace-serverless-saas-integration, src/, unmodified)
// against meterd for AWS Marketplace and moto_server for DynamoDB, SQS and
// SNS, wired as its CloudFormation template wires them. Run by
// TestServerlessSaaSSample, one phase at a time, as
//   NODE_PATH=<dir with aws-sdk> node run.js PHASE SAMPLE_SRC METERD_URL MOTO_URL OUT [ARGS...]
// Each phase writes one JSON object with what it saw to the file OUT (the
// handlers log to standard output). moto keeps the tables and queues
// between phases.
//   setup                       the template's tables, queues and topic
//   register TOKEN              the registration page's POST, then the entitlement queue's handler
//   meter CUSTOMER...           usage of each customer through the hourly job and the metering queue's handler
//   subscription N              the subscription queue's handler, once N messages arrived
const fs = require("fs");
const path = require("path");
const AWS = require("aws-sdk");

const [phase, src, meterd, moto, outFile, ...args] = process.argv.slice(2);

// The sample's clients take no endpoint; the per-service config (README,
// "Point your client at meterd") sends Marketplace calls to meterd and the
// rest to moto.
AWS.config.update({
  region: "us-east-1",
  maxRetries: 0,
  marketplacemetering: { endpoint: meterd },
  marketplaceentitlementservice: { endpoint: meterd },
  dynamodb: { endpoint: moto },
  sqs: { endpoint: moto },
  sns: { endpoint: moto },
});
const dynamodb = new AWS.DynamoDB();
const sqs = new AWS.SQS();
const sns = new AWS.SNS();

const queueNames = {
  EntitlementQueueUrl: "EntitlementSQSQueue",
  SQSMeteringRecordsUrl: "SQSMeteringRecords.fifo",
  SubscriptionQueueUrl: "SubscriptionSQSQueue",
};

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
  const out = {};
  for (const [key, name] of Object.entries(queueNames)) {
    const attrs = name.endsWith(".fifo") ? { FifoQueue: "true", ContentBasedDeduplication: "true" } : {};
    out[key] = (await sqs.createQueue({ QueueName: name, Attributes: attrs }).promise()).QueueUrl;
  }
  out.SupportSNSArn = (await sns.createTopic({ Name: "SupportSNSTopic" }).promise()).TopicArn;
  return out;
}

// environment sets what the template gives the Lambda functions; the
// handlers read it when they are loaded.
async function environment() {
  const env = {
    AWS_REGION: "us-east-1",
    NewSubscribersTableName: "NewSubscribers",
    AWSMarketplaceMeteringRecordsTableName: "MeteringRecords",
    ProductCode: "demo-saas",
    SupportSNSArn: (await sns.createTopic({ Name: "SupportSNSTopic" }).promise()).TopicArn,
  };
  for (const [key, name] of Object.entries(queueNames)) {
    env[key] = (await sqs.getQueueUrl({ QueueName: name }).promise()).QueueUrl;
  }
  Object.assign(process.env, env);
  return env;
}

const load = (name) => require(path.resolve(src, name));

// receive takes the messages of a queue, as the Lambda SQS trigger would
// hand them to a handler, waiting up to 20 s until there are at least n.
async function receive(queueUrl, n) {
  const records = [];
  const deadline = Date.now() + 20000;
  while (records.length < Math.max(n, 1) && Date.now() < deadline) {
    const got = await sqs.receiveMessage({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }).promise();
    for (const m of got.Messages || []) {
      await sqs.deleteMessage({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }).promise();
      records.push({ body: m.Body });
    }
    if (n === 0) break;
  }
  return { Records: records };
}

async function getItem(table, key) {
  const got = await dynamodb.getItem({ TableName: table, Key: AWS.DynamoDB.Converter.marshall(key) }).promise();
  return got.Item ? AWS.DynamoDB.Converter.unmarshall(got.Item) : null;
}

async function subscribers() {
  const got = await dynamodb.scan({ TableName: "NewSubscribers" }).promise();
  return got.Items.map((i) => AWS.DynamoDB.Converter.unmarshall(i));
}

async function register(env, regToken) {
  const handler = load("register-new-subscriber.js");
  const form = { companyName: "Example Corp", contactPerson: "Jane Doe", contactPhone: "555-0100", contactEmail: "jane@example.com" };
  const out = {};
  out.register = (await handler.registerNewSubscriber({ body: JSON.stringify({ ...form, regToken }) })).statusCode;
  out.registerBogus = (await handler.registerNewSubscriber({ body: JSON.stringify({ ...form, regToken: "bm90IGEgdG9rZW4=" }) })).statusCode;
  const event = await receive(env.EntitlementQueueUrl, 1);
  out.entitlementMessages = event.Records.length;
  await load("entitlement-sqs.js").handler(event);
  out.subscribers = await subscribers();
  return out;
}

// meter: the SaaS app writes usage for each customer (two items each); the
// hourly job adds it up per customer and queues it; the metering handler
// sends it with BatchMeterUsage, one call per customer.
async function meter(env, customers) {
  const now = Date.now();
  const items = [];
  for (const c of customers) {
    items.push([c, now, [{ dimension: "users", value: 3 }, { dimension: "api_calls", value: 100 }]]);
    items.push([c, now + 1, [{ dimension: "api_calls", value: 50 }]]);
  }
  for (const [c, ts, dims] of items) {
    await dynamodb.putItem({
      TableName: "MeteringRecords",
      Item: AWS.DynamoDB.Converter.marshall({ customerIdentifier: c, create_timestamp: ts, metering_pending: "true", dimension_usage: dims }),
    }).promise();
  }
  await load("metering-hourly-job.js").job();
  const event = await receive(env.SQSMeteringRecordsUrl, customers.length);
  await load("metering-sqs.js").handler(event);
  const out = { meteringMessages: event.Records.length, metered: [] };
  for (const [c, ts] of items) {
    const item = await getItem("MeteringRecords", { customerIdentifier: c, create_timestamp: ts });
    out.metered.push({
      customer: c,
      pending: item.metering_pending !== undefined,
      failed: item.metering_failed,
      response: item.metering_response === undefined ? null : JSON.parse(item.metering_response),
    });
  }
  return out;
}

// subscription runs the subscription queue's handler on meterd's SNS
// notifications (delivered to the queue as SNS does, the message a JSON
// string in the envelope).
async function subscription(env, n) {
  const event = await receive(env.SubscriptionQueueUrl, n);
  await load("subscription-sqs.js").SQSHandler(event);
  return {
    actions: event.Records.map((r) => {
      const m = JSON.parse(JSON.parse(r.body).Message);
      return `${m["customer-identifier"]} ${m.action}`;
    }),
    subscribers: await subscribers(),
  };
}

async function main() {
  if (phase === "setup") {
    return setUp();
  }
  const env = await environment();
  switch (phase) {
    case "register": return register(env, args[0]);
    case "meter": return meter(env, args);
    case "subscription": return subscription(env, Number(args[0]));
    default: throw new Error(`unknown phase ${phase}`);
  }
}

main()
  .then((out) => fs.writeFileSync(outFile, JSON.stringify(out)))
  .catch((e) => { console.error(e); process.exit(1); });
