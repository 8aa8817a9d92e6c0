/**
 * The verifying configuration (Python `model_signing.verifying.Config`, §8).
 *
 * @example
 * ```ts
 * import { VerifyingConfig } from "./verifying_config.ts";
 * await new VerifyingConfig()
 *   .useEllipticKeyVerifier({ publicKey: "key.pub" })
 *   .verify("path/to/model", "model.sig"); // throws on any failure
 * ```
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import type { HashingConfig } from "./hashing_config.ts";
import type { BundleVerifier, VerificationLog } from "../format/contracts.ts";
import type { SigstoreVerifierOptions } from "../methods/sigstore/options.ts";
import type { ExpectedManifest } from "../format/statement.ts";
import { EllipticKeyVerifier } from "../methods/key/verifier.ts";
import type { Manifest } from "../manifest/manifest.ts";
import {
  type VerificationResult,
  verifyManifestDetailed,
  verifyModel,
  verifyModelDetailed,
} from "./pipeline.ts";

/**
 * A keyless (Sigstore) verifier for `options`; the Sigstore packages load
 * only when a signature is verified.
 */
export function sigstoreVerifier(options: SigstoreVerifierOptions): BundleVerifier {
  return {
    async verify(bundle) {
      const { SigstoreVerifier } = await import("../methods/sigstore/verifier.ts");
      return await new SigstoreVerifier(options).verify(bundle);
    },
  };
}

/** Which verifier, which files count, and where log lines go. Setters chain. */
export class VerifyingConfig {
  #hashing: HashingConfig | undefined;
  #verifier: BundleVerifier | undefined;
  #ignoreUnsigned = false;
  #only: readonly string[] | undefined;
  #log: VerificationLog = () => {};

  /**
   * Take ignored paths, the symlink policy and worker count from `config`.
   * The hashing method and algorithm always come from the signature (§5.5).
   */
  setHashingConfig(config: HashingConfig): this {
    this.#hashing = config;
    return this;
  }

  /** Check only the files the signature lists; other local files are ignored. */
  setIgnoreUnsignedFiles(ignore: boolean): this {
    this.#ignoreUnsigned = ignore;
    return this;
  }

  /**
   * Partial verification: check only the signed files at or under these
   * model-relative paths (files or folder prefixes); each must match a
   * signed file. `undefined` or empty checks everything.
   */
  setOnly(paths: readonly string[] | undefined): this {
    this.#only = paths && paths.length > 0 ? [...paths] : undefined;
    return this;
  }

  /** Receive INFO and WARNING lines (fingerprints, old-format notices). Set it before `use*`. */
  setLogHandler(log: VerificationLog): this {
    this.#log = log;
    return this;
  }

  /** Verify with any {@linkcode BundleVerifier}. */
  useVerifier(verifier: BundleVerifier): this {
    this.#verifier = verifier;
    return this;
  }

  /**
   * Verify key-method signatures with a PEM public key.
   *
   * @throws {KeyError}
   */
  useEllipticKeyVerifier(options: { publicKey: string }): this {
    return this.useVerifier(
      EllipticKeyVerifier.fromFile(options.publicKey, (l, m) => this.#log(l, m)),
    );
  }

  /**
   * Verify certificate-method signatures against the CA certificates in
   * `certificateChain` (default: the system's roots). Asynchronous because
   * the X.509 library is loaded only here (~130 ms of start-up).
   *
   * @throws {CertificateError}
   */
  async useCertificateVerifier(
    options: { certificateChain?: readonly string[]; logFingerprints?: boolean } = {},
  ): Promise<this> {
    const { CertificateVerifier } = await import("../methods/certificate/verifier.ts");
    return this.useVerifier(
      new CertificateVerifier({ ...options, log: (l, m) => this.#log(l, m) }),
    );
  }

  /**
   * Verify keyless (Sigstore) signatures: the certificate must name exactly
   * `identity` and `oidcIssuer`. Trust comes from `trustConfig` if given,
   * else staging if `useStaging`, else production (the trusted root shipped
   * with the tool, refreshed through TUF when the network is allowed). The
   * Sigstore packages are loaded only when a signature is verified.
   */
  useSigstoreVerifier(options: Omit<SigstoreVerifierOptions, "log">): this {
    return this.useVerifier(sigstoreVerifier({ ...options, log: (l, m) => this.#log(l, m) }));
  }

  /**
   * Verifies the model against the signature.
   *
   * @returns what the signature promised, which the model matches.
   * @throws {ModelSigningError} subclasses on any failure.
   */
  verify(modelPath: string, signaturePath: string): Promise<ExpectedManifest> {
    return verifyModel(modelPath, signaturePath, this.#configuredVerifier(), this.#options());
  }

  /**
   * {@linkcode VerifyingConfig.verify} with the details: the signer, the root
   * digest, and how many of the signed files were checked.
   *
   * @throws {ModelSigningError} subclasses on any failure.
   */
  verifyDetailed(modelPath: string, signaturePath: string): Promise<VerificationResult> {
    return verifyModelDetailed(
      modelPath,
      signaturePath,
      this.#configuredVerifier(),
      this.#options(),
    );
  }

  /**
   * Verifies a manifest built without files (e.g. from an OCI image manifest,
   * see `ociManifest`) against the signature.
   *
   * @throws {ModelSigningError} subclasses on any failure.
   */
  verifyManifest(manifest: Manifest, signaturePath: string): Promise<VerificationResult> {
    return verifyManifestDetailed(manifest, signaturePath, this.#configuredVerifier());
  }

  #configuredVerifier(): BundleVerifier {
    if (!this.#verifier) {
      throw new ConfigError("verifier", "Attempting to verify with no configured verifier");
    }
    return this.#verifier;
  }

  #options() {
    return { hashing: this.#hashing, ignoreUnsignedFiles: this.#ignoreUnsigned, only: this.#only };
  }
}
