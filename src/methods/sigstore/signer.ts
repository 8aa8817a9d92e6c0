/**
 * The `sigstore` method's signer (docs/format.md §4.4, §7.1): the statement is
 * signed as a DSSE envelope with an ephemeral key certified by Fulcio for
 * the caller's OIDC identity, logged in Rekor, and timestamped by the
 * instance's timestamp authority when it has one. The bundle has the shape
 * sigstore-python writes: v0.3, a single `certificate`, a Rekor `dsse` entry
 * with its inclusion proof.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { bundleToJSON } from "../../deps/sigstore.ts";
import { bundleBuilderFromSigningConfig } from "../../deps/sigstore_sign.ts";
import type { SigningConfig } from "../../deps/sigstore.ts";
import { ConfigError, SigstoreError } from "../../errors.ts";
import type { BundleJson, PayloadSigner, SignerInfo } from "../../format/contracts.ts";
import { fromBase64 } from "../../util/encoding.ts";
import { requireNetAccess } from "../../util/http.ts";
import { certificateIdentity } from "./verifier.ts";
import { PAYLOAD_TYPE } from "../../format/statement.ts";
import { REQUEST_TIMEOUT_MS } from "./http_json.ts";
import { getIdentityToken } from "./identity_token.ts";
import { checkIdentityToken } from "./jwt.ts";
import type { SigstoreSignerOptions } from "./options.ts";
import {
  oidcIssuerOf,
  PRODUCTION_SIGNING_CONFIG,
  readTrustConfig,
  type SigningConfigJson,
  signingServiceUrls,
  sigstoreFailure,
  STAGING_SIGNING_CONFIG,
  toSigningConfig,
} from "./trust.ts";

/** The signing config in the order of §5.4 for signing: staging, else the trust config, else production. */
function chooseSigningConfig(options: SigstoreSignerOptions): {
  json: SigningConfigJson;
  source: string;
} {
  if (options.useStaging) return { json: STAGING_SIGNING_CONFIG, source: "the staging instance" };
  if (options.trustConfig !== undefined) {
    const config = readTrustConfig(options.trustConfig);
    if (!config.signingConfig) {
      throw new ConfigError(
        "trust-config",
        `Trust config '${config.path}' has no signing config, which signing needs`,
      );
    }
    return { json: config.signingConfig, source: `'${config.path}'` };
  }
  return { json: PRODUCTION_SIGNING_CONFIG, source: "the production instance" };
}

/**
 * sigstore-python writes DSSE signatures with only `sig` and always a
 * `timestampVerificationData` object (§4.4); match it.
 */
function pythonShape(bundle: BundleJson): BundleJson {
  const material = bundle.verificationMaterial as Record<string, unknown>;
  material.timestampVerificationData ??= {};
  const envelope = bundle.dsseEnvelope as { signatures: Record<string, unknown>[] };
  for (const s of envelope.signatures) if (!s.keyid) delete s.keyid;
  return bundle;
}

/** Signs statements with Sigstore keyless signing. */
export class SigstoreSigner implements PayloadSigner {
  readonly #options: SigstoreSignerOptions;
  readonly #signingConfig: SigningConfig;
  readonly #source: string;

  /**
   * Reads and checks the instance's signing config now; the token is
   * obtained and the services called at signing.
   *
   * @throws {ConfigError} for an unreadable or invalid trust config.
   * @throws {SigstoreError} for an `identityToken` that names no subject, or without network
   * access to the instance's services.
   */
  constructor(options: SigstoreSignerOptions = {}) {
    const { json, source } = chooseSigningConfig(options);
    // A token given outright is checked now, before the model is hashed.
    if (options.identityToken) checkIdentityToken(options.identityToken);
    this.#options = options;
    this.#signingConfig = toSigningConfig(json, source);
    this.#source = source;
    // Asked before hashing: without it, signing would fail only after the model is hashed.
    requireNetAccess(
      signingServiceUrls(this.#signingConfig),
      `Sigstore signing with ${source}`,
      (m) => new SigstoreError(m),
    );
  }

  /** Signs `payload` and returns the bundle. */
  async sign(payload: Uint8Array): Promise<BundleJson> {
    const signingConfig = this.#signingConfig;
    const source = this.#source;
    const token = await getIdentityToken({
      identityToken: this.#options.identityToken,
      useAmbientCredentials: this.#options.useAmbientCredentials,
      issuerUrl: this.#options.oidcIssuer ?? oidcIssuerOf(signingConfig, source),
      clientId: this.#options.clientId,
      clientSecret: this.#options.clientSecret,
      oauthForceOob: this.#options.forceOob,
    });
    try {
      const builder = bundleBuilderFromSigningConfig({
        signingConfig,
        identityProvider: { getToken: () => Promise.resolve(token) },
        bundleType: "dsseEnvelope",
        fetchOptions: { timeout: REQUEST_TIMEOUT_MS, retry: { retries: 2 } },
      });
      const bundle = await builder.create({ data: Buffer.from(payload), type: PAYLOAD_TYPE });
      return pythonShape(bundleToJSON(bundle) as unknown as BundleJson);
    } catch (e) {
      throw sigstoreFailure(`Sigstore signing with ${source} failed`, e, [token]);
    }
  }

  /** The identity, issuer and Rekor log index of a bundle this signer made. */
  describe(bundle: BundleJson): SignerInfo {
    const vm = (bundle.verificationMaterial ?? {}) as {
      certificate?: { rawBytes?: string };
      x509CertificateChain?: { certificates?: { rawBytes?: string }[] };
      tlogEntries?: { logIndex?: string }[];
    };
    const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates?.[0]?.rawBytes;
    const der = raw === undefined ? undefined : fromBase64(raw);
    const found = der ? certificateIdentity(der) : { identities: [], issuers: [] };
    return {
      identity: found.identities[0],
      oidcIssuer: found.issuers[0],
      logIndex: vm.tlogEntries?.[0]?.logIndex,
    };
  }
}
