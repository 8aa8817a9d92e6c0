/**
 * The `sigstore` method's verifier (docs/format.md §5.4): the standard Sigstore
 * bundle verification by `@sigstore/verify` (Fulcio chain, SCTs, log
 * inclusion promise and proof, timestamps, DSSE signature), then the
 * identity policy compared exactly here, since the library matches a string
 * identity as an unanchored regular expression.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  type Bundle,
  bundleFromJSON,
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  X509Certificate,
} from "../../deps/sigstore.ts";
import { BundleFormatError, ConfigError, IdentityError } from "../../errors.ts";
import type { BundleJson, BundleVerifier, VerifiedPayload } from "../../format/contracts.ts";
import type { SigstoreVerifierOptions } from "./options.ts";
import {
  productionTrustedRoot,
  readTrustConfig,
  sigstoreFailure,
  stagingTrustedRoot,
  toTrustedRoot,
} from "./trust.ts";

/** Legacy (raw string) and current (DER UTF8String) Fulcio OIDC-issuer extensions. */
const ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
const ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
/** Sigstore's SAN other name for identities that are neither emails nor URIs. */
const SAN_OTHER_NAME = "1.3.6.1.4.1.57264.1.7";

/** The identities a Fulcio leaf certifies and the issuer values it records. */
export function certificateIdentity(certificateDer: Uint8Array): {
  identities: string[];
  issuers: string[];
} {
  const cert = X509Certificate.parse(Buffer.from(certificateDer));
  const san = cert.extSubjectAltName;
  const identities = [san?.rfc822Name, san?.uri, san?.otherName(SAN_OTHER_NAME)]
    .filter((v): v is string => v !== undefined);
  const v1 = cert.extension(ISSUER_V1)?.value.toString("utf8");
  const v2 = cert.extension(ISSUER_V2)?.valueObj.subs[0]?.value.toString("utf8");
  return { identities, issuers: [v1, v2].filter((v): v is string => v !== undefined) };
}

/**
 * Checks the identity policy of §5.4: `identity` equals one of the SAN
 * values and every issuer extension present equals `issuer` (at least one
 * must be present). No regular expressions, no case folding.
 *
 * @throws {IdentityError}
 */
export function checkIdentity(certificateDer: Uint8Array, identity: string, issuer: string): void {
  const found = certificateIdentity(certificateDer);
  if (!found.identities.includes(identity)) {
    throw new IdentityError(
      `The signature was made by '${found.identities.join("', '")}', not by '${identity}'`,
    );
  }
  if (found.issuers.length === 0 || found.issuers.some((i) => i !== issuer)) {
    // Fulcio records the issuer in two extensions, usually with the same value: name it once.
    const named = [...new Set(found.issuers)].join("', '");
    throw new IdentityError(`The signer's identity was issued by '${named}', not by '${issuer}'`);
  }
}

/** The leaf certificate of a parsed keyless bundle. */
function leafCertificate(bundle: Bundle): Uint8Array {
  const content = bundle.verificationMaterial.content;
  switch (content.$case) {
    case "certificate":
      return content.certificate.rawBytes;
    case "x509CertificateChain":
      if (content.x509CertificateChain.certificates.length > 0) {
        return content.x509CertificateChain.certificates[0].rawBytes;
      }
  }
  throw new BundleFormatError(
    "verificationMaterial",
    "A Sigstore signature must carry the signing certificate",
  );
}

/** Verifies keyless (Sigstore) signatures for an expected identity and issuer. */
export class SigstoreVerifier implements BundleVerifier {
  readonly #options: SigstoreVerifierOptions;

  /** Keeps the options; the trust material is loaded at the first verification. */
  constructor(options: SigstoreVerifierOptions) {
    this.#options = options;
  }

  /** The trust material in the order of §5.4: trust config, else staging, else production. */
  async #trustedRoot() {
    const { trustConfig, useStaging, log = () => {} } = this.#options;
    if (trustConfig !== undefined) {
      return toTrustedRoot(readTrustConfig(trustConfig).trustedRoot, `'${trustConfig}'`);
    }
    if (useStaging) return await stagingTrustedRoot();
    return await productionTrustedRoot(log);
  }

  /** Checks the bundle and the signer's identity; returns the signed payload. */
  async verify(json: BundleJson): Promise<VerifiedPayload> {
    let bundle: Bundle;
    try {
      bundle = bundleFromJSON(json);
    } catch (e) {
      // The library's validation error lists the offending fields.
      const fields = (e as { fields?: unknown }).fields;
      const named = Array.isArray(fields) && fields.length > 0 ? ` (${fields.join(", ")})` : "";
      throw new BundleFormatError(
        Array.isArray(fields) ? String(fields[0] ?? "") : "",
        `Invalid Sigstore bundle: ${(e as Error).message}${named}`,
        { cause: e },
      );
    }
    if (bundle.content.$case !== "dsseEnvelope") {
      throw new BundleFormatError("dsseEnvelope", "The Sigstore bundle holds no DSSE envelope");
    }
    const leaf = leafCertificate(bundle);
    const root = await this.#trustedRoot();
    let trustMaterial: ReturnType<typeof toTrustMaterial>;
    try {
      trustMaterial = toTrustMaterial(root);
    } catch (e) {
      // Keys and certificates are decoded here, after the JSON was accepted.
      const source = this.#options.trustConfig === undefined
        ? "the trusted root"
        : `the trusted root of '${this.#options.trustConfig}'`;
      throw new ConfigError(
        "trust-config",
        `Cannot use ${source}: a key or certificate in it cannot be read (${(e as Error).message})`,
      );
    }
    try {
      new Verifier(trustMaterial).verify(toSignedEntity(bundle));
    } catch (e) {
      throw sigstoreFailure("Sigstore verification failed", e);
    }
    checkIdentity(leaf, this.#options.identity, this.#options.oidcIssuer);
    const envelope = bundle.content.dsseEnvelope;
    return {
      payloadType: envelope.payloadType,
      payload: new Uint8Array(envelope.payload),
      signer: {
        identity: this.#options.identity,
        oidcIssuer: this.#options.oidcIssuer,
        logIndex: bundle.verificationMaterial.tlogEntries[0]?.logIndex,
      },
    };
  }
}
