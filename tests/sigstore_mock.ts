/**
 * A private Sigstore instance for tests: the Fulcio, Rekor (v1) and
 * timestamp-authority handlers of `@sigstore/mock` served with `Deno.serve`
 * on 127.0.0.1, the ClientTrustConfig that describes it, and identity tokens
 * it accepts.
 *
 * @module
 */

// The node:crypto fix must be in place before the mock's modules run, as in the program.
import "../src/deps/sigstore.ts";
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
} from "@sigstore/mock";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";

/** The identity the test tokens carry (a URI SAN, as the mock Fulcio writes). */
export const MOCK_IDENTITY =
  "https://github.com/example/models/.github/workflows/sign.yml@refs/heads/main";
/** The OIDC issuer of the test tokens. */
export const MOCK_ISSUER = "https://token.actions.example.com";

/** `verify sigstore` expecting the mock's identity and issuer, then `rest` (trust config, signature, model). */
export function mockVerifyArgs(...rest: string[]): string[] {
  return [
    "verify",
    "sigstore",
    "--identity",
    MOCK_IDENTITY,
    "--identity-provider",
    MOCK_ISSUER,
    ...rest,
  ];
}

/** Clocks of the mock services (default: now). */
export interface MockClocks {
  /** Fulcio's time: the issued certificate is valid for ten minutes from it. */
  readonly ca?: Date;
  /** Rekor's time: the integrated time of log entries. */
  readonly tlog?: Date;
}

/** A running mock instance. */
export interface MockSigstore extends AsyncDisposable {
  /** Base URL of all three services. */
  readonly url: string;
  /** The ClientTrustConfig JSON object for this instance. */
  readonly trustConfig: Record<string, unknown>;
  /** Writes the trust config into `dir` and returns its path. */
  writeTrustConfig(dir: string): string;
  /** Requests received, by path. */
  readonly requests: Map<string, number>;
}

const ecKeyPair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const b64 = (bytes: Uint8Array | ArrayBufferView) =>
  Buffer.from(
    (bytes as ArrayBufferView).buffer,
    (bytes as ArrayBufferView).byteOffset,
    (bytes as ArrayBufferView).byteLength,
  ).toString("base64");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();
const VALID_FROM = { start: "2020-01-01T00:00:00Z" };

/**
 * Real Rekor stores a `dsse` entry canonicalised: the envelope and payload
 * hashes and each signature with its verifier, not the proposed envelope.
 * The mock logs what it is sent, so the proposal is rewritten first.
 */
function canonicalDsseEntry(body: string): string {
  const proposed = JSON.parse(body);
  if (proposed.kind !== "dsse" || !proposed.spec?.proposedContent) return body;
  const { envelope, verifiers } = proposed.spec.proposedContent;
  const parsed = JSON.parse(envelope);
  return JSON.stringify({
    apiVersion: proposed.apiVersion,
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha256(envelope).toString("hex") },
      payloadHash: {
        algorithm: "sha256",
        value: sha256(Buffer.from(parsed.payload, "base64")).toString("hex"),
      },
      signatures: parsed.signatures.map((s: { sig: string }) => ({
        signature: s.sig,
        verifier: verifiers[0],
      })),
    },
  });
}

/** Starts a mock instance; dispose it to stop the server. */
export async function startMockSigstore(clocks: MockClocks = {}): Promise<MockSigstore> {
  const ctLog = await initializeCTLog(ecKeyPair(), clocks.ca);
  const ca = await initializeCA(ecKeyPair(), ctLog, clocks.ca);
  // The mock TSA writes the generation time with milliseconds, and @sigstore/core reads only
  // times with exactly three fraction digits (or none): "…12.5Z" fails to parse. A clock on a
  // whole second avoids it; five minutes ahead keeps it inside the ten-minute certificate issued
  // after start-up.
  const tsaClock = new Date(Math.floor(Date.now() / 1000) * 1000 + 5 * 60_000);
  const tsa = await initializeTSA(ecKeyPair(), tsaClock);
  const requests = new Map<string, number>();
  const handlers = new Map<string, ReturnType<typeof rekorHandler>["fn"]>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const handler = handlers.get(path);
    if (req.method !== "POST" || !handler) return new Response("not found", { status: 404 });
    const { statusCode, response, contentType } = await handler(await req.text());
    const body = typeof response === "string" ? response : new Uint8Array(
      response.buffer,
      response.byteOffset,
      response.byteLength,
    );
    return new Response(body, {
      status: statusCode,
      headers: { "content-type": contentType ?? "text/plain" },
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const tlog = await initializeTLog(url, ecKeyPair(), clocks.tlog);
  const fulcio = fulcioHandler(ca, { subjectClaim: "sub" });
  const rekor = rekorHandler(tlog);
  const timestamp = tsaHandler(tsa);
  handlers.set(fulcio.path, fulcio.fn);
  handlers.set(rekor.path, (body) => rekor.fn(canonicalDsseEntry(body)));
  handlers.set(timestamp.path, timestamp.fn);

  const service = (u: string) => ({ url: u, majorApiVersion: 1, validFor: VALID_FROM });
  const trustConfig = {
    mediaType: "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
    trustedRoot: {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [{
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: b64(tlog.publicKey),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: VALID_FROM,
        },
        logId: { keyId: b64(sha256(tlog.publicKey)) },
      }],
      certificateAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: VALID_FROM,
      }],
      ctlogs: [{
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: b64(ctLog.publicKey),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: VALID_FROM,
        },
        logId: { keyId: b64(ctLog.logID) },
      }],
      timestampAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "tsa" },
        uri: `${url}/api/v1/timestamp`,
        certChain: {
          certificates: [{ rawBytes: b64(tsa.intCertificate) }, {
            rawBytes: b64(tsa.rootCertificate),
          }],
        },
        validFor: VALID_FROM,
      }],
    },
    signingConfig: {
      mediaType: "application/vnd.dev.sigstore.signingconfig.v0.2+json",
      caUrls: [service(url)],
      oidcUrls: [service(MOCK_ISSUER)],
      rekorTlogUrls: [service(url)],
      tsaUrls: [service(`${url}/api/v1/timestamp`)],
      rekorTlogConfig: { selector: "ANY" },
      tsaConfig: { selector: "ANY" },
    },
  };
  return {
    url,
    trustConfig,
    requests,
    writeTrustConfig(dir) {
      const path = nodePath.join(dir, "mock_trust_config.json");
      Deno.writeTextFileSync(path, JSON.stringify(trustConfig));
      return path;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const base64url = (text: string) =>
  btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** An unsigned identity token the mock Fulcio accepts (it does not check signatures). */
export function mockIdentityToken(
  claims: { sub?: string; iss?: string; emailVerified?: boolean } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: claims.iss ?? MOCK_ISSUER,
    sub: claims.sub ?? MOCK_IDENTITY,
    email: "signer@example.com",
    email_verified: claims.emailVerified ?? true,
    aud: "sigstore",
    iat: now,
    exp: now + 600,
  };
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
    base64url(JSON.stringify(payload))
  }.`;
}
