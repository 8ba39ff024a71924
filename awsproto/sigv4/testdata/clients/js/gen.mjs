// Writes requests signed by the JS v3 signer (@smithy/signature-v4) as
// captures that TestVerifyCapturedClients replays: `node gen.mjs` in this
// directory after `npm install`, then move the js-*.json files up one level.
import { createHash, createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

// Sha256 is the hash the signer needs, from Node's crypto.
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const signer = new SignatureV4({
  service: "aws-marketplace",
  region: "us-east-1",
  sha256: Sha256,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
});
const signingDate = new Date("2026-11-25T20:46:36Z");
const meterBody = JSON.stringify({ ProductCode: "prod-1234", Timestamp: 1704106800, UsageDimension: "users", UsageQuantity: 3 });

function meterUsage(extra = {}) {
  return new HttpRequest({
    method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 8443, path: "/",
    headers: {
      host: "127.0.0.1:8443",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSMPMeteringService.MeterUsage",
      "user-agent": "aws-sdk-js/3.1138.0 ua/2.1 os/linux#6.1  lang/js   md/nodejs#20",
      "amz-sdk-invocation-id": "7e1c5b0e-3f51-4c51-8f3e-5b7e1b8f0a11",
      "amz-sdk-request": "attempt=1; max=3",
      ...extra,
    },
    body: meterBody,
  });
}

function capture(name, req) {
  const query = new URLSearchParams(req.query ?? {}).toString();
  const url = `${req.protocol}//${req.hostname}:${req.port}${req.path}${query ? "?" + query : ""}`;
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host"));
  writeFileSync(`js-${name}.json`, JSON.stringify({ method: req.method, url, headers, body: req.body }, null, 2) + "\n");
}

// Default signing: user-agent and expect stay out of the signature.
capture("meter-usage", await signer.sign(meterUsage(), { signingDate }));
// signableHeaders forces the always-unsignable ones in, as the .NET and
// Java v1 SDKs sign them; the user agent keeps its inner runs of spaces.
capture("meter-usage-signs-user-agent", await signer.sign(meterUsage({ expect: "100-continue" }),
  { signingDate, signableHeaders: new Set(["user-agent", "expect"]) }));
// A query string with encoded characters, and an explicit payload hash.
const withQuery = meterUsage({ "x-amz-content-sha256": createHash("sha256").update(meterBody).digest("hex") });
withQuery.query = { b: "2", a: "x y/z~", "c.d": "" };
capture("meter-usage-query", await signer.sign(withQuery, { signingDate }));
// Presigned, with the user agent signed in the URL's signature.
capture("meter-usage-presigned", await signer.presign(meterUsage(),
  { signingDate, expiresIn: 300, signableHeaders: new Set(["user-agent"]) }));
