// OpenTelemetry traces (src/util/telemetry.ts): an OTLP/HTTP (JSON) receiver on 127.0.0.1 gets the
// spans of `sign key` and `verify key` run as children with OTEL_DENO=true: names, parents, and the
// model's name and root digest as attributes; the private key and the identity token never appear;
// keyless signing shows its Fulcio, Rekor and TSA calls.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { runCli } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { mockIdentityToken, startMockSigstore } from "../sigstore_mock.ts";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface Span {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: { key: string; value: OtlpValue }[];
}

/** An OTLP/HTTP receiver that keeps the spans and the raw bodies of /v1/traces. */
function startReceiver() {
  const spans: Span[] = [];
  const bodies: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (new URL(req.url).pathname === "/v1/traces") {
      bodies.push(body);
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
    }
    return Response.json({});
  });
  return {
    spans,
    bodies,
    env: {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "model-signing-test",
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const attr = (span: Span, key: string) => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.doubleValue ??
    (v?.intValue !== undefined ? Number(v.intValue) : v?.boolValue);
};

/** The one span called `name` in the trace of `root`, whose parent is `parent`. */
function child(spans: Span[], name: string, parent: Span): Span {
  const found = spans.filter((s) => s.name === name && s.parentSpanId === parent.spanId);
  assert.equal(found.length, 1, `${name} under ${parent.name}: ${spans.map((s) => s.name)}`);
  assert.equal(found[0].traceId, parent.traceId);
  return found[0];
}

function root(spans: Span[], name: string): Span {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `${name}: ${spans.map((s) => s.name)}`);
  assert.ok(!found[0].parentSpanId || /^0+$/.test(found[0].parentSpanId));
  return found[0];
}

/** Waits until the receiver holds a span called `name` (the exporter sends when the child exits). */
async function waitFor(spans: Span[], name: string) {
  for (let i = 0; i < 100 && !spans.some((s) => s.name === name); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("telemetry: sign key and verify key send their spans to an OTLP receiver", async () => {
  using tmp = tempDir();
  await using receiver = startReceiver();
  const model = nodePath.join(tmp.path, "my-model");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "weights".repeat(1000));
  Deno.writeTextFileSync(nodePath.join(model, "config.json"), "{}");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const key = nodePath.join(tmp.path, "key.pem");
  const pub = nodePath.join(tmp.path, "pub.pem");
  Deno.writeTextFileSync(key, keyPem);
  Deno.writeTextFileSync(pub, publicKey.export({ format: "pem", type: "spki" }) as string);
  const sig = nodePath.join(tmp.path, "model.sig");

  const signed = await runCli(["sign", "key", "--private-key", key, "--signature", sig, model], {
    env: receiver.env,
  });
  assert.equal(signed.code, 0, signed.stderr);
  await waitFor(receiver.spans, "model_signing sign");
  const signRoot = root(receiver.spans, "model_signing sign");
  assert.equal(attr(signRoot, "model_signing.command"), "sign");
  assert.equal(attr(signRoot, "model_signing.method"), "key");
  assert.equal(attr(signRoot, "model_signing.exit_status"), 0);
  const sign = child(receiver.spans, "sign", signRoot);
  assert.equal(attr(sign, "model.name"), "my-model");
  const digest = attr(sign, "model.root_digest");
  assert.match(String(digest), /^sha256:[0-9a-f]{64}$/);
  const hash = child(receiver.spans, "hash", sign);
  assert.equal(attr(hash, "hashing.method"), "files");
  assert.equal(attr(hash, "hashing.algorithm"), "sha256");
  assert.equal(attr(hash, "hashing.files"), 2);
  assert.equal(attr(hash, "hashing.bytes"), 7002);
  assert.equal(attr(hash, "model.root_digest"), digest);
  assert.ok(attr(hash, "hashing.workers") !== undefined);
  assert.equal(attr(child(receiver.spans, "walk", hash), "hashing.files"), 2);
  child(receiver.spans, "statement", sign);
  assert.equal(
    attr(child(receiver.spans, "sign_payload", sign), "signing.signer"),
    "EllipticKeySigner",
  );

  const verified = await runCli(["verify", "key", "--public-key", pub, "--signature", sig, model], {
    env: receiver.env,
  });
  assert.equal(verified.code, 0, verified.stderr);
  await waitFor(receiver.spans, "model_signing verify");
  const verifyRoot = root(receiver.spans, "model_signing verify");
  assert.notEqual(verifyRoot.traceId, signRoot.traceId);
  const verify = child(receiver.spans, "verify", verifyRoot);
  assert.equal(attr(verify, "model.name"), "my-model");
  assert.equal(attr(verify, "model.root_digest"), digest);
  child(receiver.spans, "verify_signature", verify);
  assert.equal(attr(child(receiver.spans, "hash", verify), "model.root_digest"), digest);
  assert.equal(attr(child(receiver.spans, "compare", verify), "verifying.items"), 2);

  // No secret in the telemetry: the private key's PEM body, in whole or in part.
  const all = receiver.bodies.join("\n");
  const keyBody = keyPem.split("\n").slice(1, -2).join("");
  assert.ok(!all.includes(keyBody.slice(0, 40)) && !all.includes("PRIVATE KEY"));
});

Deno.test("telemetry: off by default, nothing is sent", async () => {
  using tmp = tempDir();
  await using receiver = startReceiver();
  const model = nodePath.join(tmp.path, "m");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "w");
  const result = await runCli(["digest", model], {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.env.OTEL_EXPORTER_OTLP_ENDPOINT,
      OTEL_DENO: "false",
    },
  });
  assert.equal(result.code, 0, result.stderr);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(receiver.spans.length, 0);
});

Deno.test("telemetry: sign sigstore shows the Fulcio, Rekor and TSA calls under sign_payload", async () => {
  using tmp = tempDir();
  await using receiver = startReceiver();
  await using mock = await startMockSigstore();
  const model = nodePath.join(tmp.path, "m");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "w");
  const token = mockIdentityToken();
  const signed = await runCli([
    "sign",
    "sigstore",
    "--identity-token",
    token,
    "--trust-config",
    mock.writeTrustConfig(tmp.path),
    "--signature",
    nodePath.join(tmp.path, "m.sig"),
    model,
  ], { env: receiver.env });
  assert.equal(signed.code, 0, signed.stderr);
  await waitFor(receiver.spans, "model_signing sign");
  const sign = child(receiver.spans, "sign", root(receiver.spans, "model_signing sign"));
  const payload = child(receiver.spans, "sign_payload", sign);
  assert.equal(attr(payload, "signing.signer"), "SigstoreSigner");
  // Deno's fetch instrumentation records each service call as a child span.
  const calls = receiver.spans.filter((s) => s.parentSpanId === payload.spanId)
    .map((s) => attr(s, "url.path")).sort();
  assert.deepEqual(calls, ["/api/v1/log/entries", "/api/v1/timestamp", "/api/v2/signingCert"]);
  const all = receiver.bodies.join("\n");
  assert.ok(!all.includes(token.split(".")[1]), "the identity token is not in any span");
});
