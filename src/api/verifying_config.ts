/**
 * The verifying configuration (Python `model_signing.verifying.Config`, §8).
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import type { HashingConfig } from "./hashing_config.ts";
import type { BundleVerifier, VerificationLog } from "../format/contracts.ts";
import type { CertificateVerifierOptions } from "../methods/certificate/verifier.ts";
import type { TimestampVerifier } from "../crypto/timestamp_verifier.ts";
import type { SigstoreVerifierOptions } from "../methods/sigstore/options.ts";
import type { ExpectedManifest } from "../format/statement.ts";
import { EllipticKeyVerifier } from "../methods/key/verifier.ts";
import { loadPublicKey } from "../crypto/ec_keys.ts";
import type { Manifest } from "../manifest/manifest.ts";
import {
  type VerificationResult,
  verifyManifestDetailed,
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

/** Prepares the verifier when `verify` runs; lazily loaded methods import their packages here. */
type VerifierLoader = () => Promise<BundleVerifier>;

/** What the key and certificate verifiers take to check RFC 3161 timestamps (§5.8). */
export interface TimestampVerifyingOptions {
  /**
   * PEM files with the TSA certificates and their chains up to trusted self-signed roots
   * (`--tsa-certificate-chain`). When given, every timestamp in the bundle must verify, and there
   * must be at least one; when not, timestamps in the bundle are ignored, as the Python tool does.
   */
  readonly tsaCertificateChain?: readonly string[];
}

/** Options of {@linkcode VerifyingConfig.useCertificateVerifier}. */
export type CertificateVerifyingOptions =
  & Omit<CertificateVerifierOptions, "log" | "timestamps">
  & TimestampVerifyingOptions;

/** The timestamp verifier for `paths`, its packages loaded only when there are some. */
async function timestampVerifier(
  paths: readonly string[] | undefined,
): Promise<TimestampVerifier | undefined> {
  if (!paths || paths.length === 0) return undefined;
  const { TimestampVerifier } = await import("../crypto/timestamp_verifier.ts");
  return TimestampVerifier.fromFiles(paths);
}

/**
 * Which verifier, which files count, and where log lines go. Every `use*`
 * and `set*` method returns the object itself so calls chain as in the
 * Python API.
 */
export class VerifyingConfig {
  #hashing: HashingConfig | undefined;
  #verifier: VerifierLoader | undefined;
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

  /**
   * Check only the files the signature lists; other local files are ignored.
   * For {@linkcode VerifyingConfig.verify} and `verifyDetailed`; a manifest
   * given to `verifyManifest` is compared whole.
   */
  setIgnoreUnsignedFiles(ignore: boolean): this {
    this.#ignoreUnsigned = ignore;
    return this;
  }

  /**
   * Partial verification: check only the signed files at or under these
   * model-relative paths (files or folder prefixes); each must match a
   * signed file. `undefined` or empty checks everything. For `verify` and
   * `verifyDetailed`; a manifest given to `verifyManifest` is compared whole.
   */
  setOnly(paths: readonly string[] | undefined): this {
    this.#only = paths && paths.length > 0 ? [...paths] : undefined;
    return this;
  }

  /** Receive INFO and WARNING lines (fingerprints, old-format notices). */
  setLogHandler(log: VerificationLog): this {
    this.#log = log;
    return this;
  }

  /** Verify with any {@linkcode BundleVerifier}. */
  useVerifier(verifier: BundleVerifier): this {
    return this.#useLoader(() => Promise.resolve(verifier));
  }

  /**
   * Verify key-method signatures with a PEM public key; with `tsaCertificateChain`, also the
   * bundle's RFC 3161 timestamps (read, with the packages they need, when
   * {@linkcode VerifyingConfig.verify} starts).
   *
   * @throws {KeyError}
   */
  useEllipticKeyVerifier(options: { publicKey: string } & TimestampVerifyingOptions): this {
    const log: VerificationLog = (l, m) => this.#log(l, m);
    const key = new EllipticKeyVerifier(loadPublicKey(options.publicKey), log);
    const chain = [...(options.tsaCertificateChain ?? [])];
    if (chain.length === 0) return this.useVerifier(key);
    return this.#useLoader(async () => key.withTimestamps(await timestampVerifier(chain)));
  }

  /**
   * Verify certificate-method signatures against the CA certificates in
   * `certificateChain` (default: the system's roots). The chain is checked now,
   * or at the time of each verified timestamp with `tsaCertificateChain`, or
   * at the signing certificate's notBefore with `validateAtNotBefore` (the
   * Python tool's rule; docs/format.md §5.3). The files are read
   * when {@linkcode VerifyingConfig.verify} starts: the X.509 library they
   * need loads only then (~130 ms of start-up the other methods must not pay).
   */
  useCertificateVerifier(options: CertificateVerifyingOptions = {}): this {
    const { tsaCertificateChain, ...rest } = options;
    const copy = { ...rest, certificateChain: [...(options.certificateChain ?? [])] };
    const tsa = [...(tsaCertificateChain ?? [])];
    const log: VerificationLog = (l, m) => this.#log(l, m);
    return this.#useLoader(async () => {
      const { CertificateVerifier } = await import("../methods/certificate/verifier.ts");
      return new CertificateVerifier({ ...copy, log, timestamps: await timestampVerifier(tsa) });
    });
  }

  /**
   * Verify keyless (Sigstore) signatures: the certificate must name exactly
   * `identity` and `oidcIssuer`. Trust comes from `trustConfig` if given,
   * else staging if `useStaging`, else production (the trusted root shipped
   * with the tool, refreshed through TUF when the network is allowed). The
   * Sigstore packages load when {@linkcode VerifyingConfig.verify} runs.
   */
  useSigstoreVerifier(options: Omit<SigstoreVerifierOptions, "log">): this {
    const copy = { ...options };
    const log: VerificationLog = (l, m) => this.#log(l, m);
    return this.#useLoader(async () => {
      const { SigstoreVerifier } = await import("../methods/sigstore/verifier.ts");
      return new SigstoreVerifier({ ...copy, log });
    });
  }

  #useLoader(load: VerifierLoader): this {
    this.#verifier = load;
    return this;
  }

  /**
   * Verifies the model against the signature.
   *
   * @returns what the signature promised, which the model matches.
   * @throws {ModelSigningError} subclasses on any failure, as a rejected promise.
   */
  async verify(modelPath: string, signaturePath: string): Promise<ExpectedManifest> {
    return (await this.verifyDetailed(modelPath, signaturePath)).expected;
  }

  /**
   * {@linkcode VerifyingConfig.verify} with the details: the signer, the root
   * digest, and how many of the signed files were checked.
   *
   * @throws {ModelSigningError} subclasses on any failure, as a rejected promise.
   */
  async verifyDetailed(modelPath: string, signaturePath: string): Promise<VerificationResult> {
    return await verifyModelDetailed(
      modelPath,
      signaturePath,
      await this.#configuredVerifier(),
      this.#options(),
    );
  }

  /**
   * Verifies a manifest built without files (e.g. from an OCI image manifest,
   * see `ociManifest`) against the signature.
   *
   * @throws {ModelSigningError} subclasses on any failure, as a rejected promise.
   */
  async verifyManifest(manifest: Manifest, signaturePath: string): Promise<VerificationResult> {
    return await verifyManifestDetailed(manifest, signaturePath, await this.#configuredVerifier());
  }

  async #configuredVerifier(): Promise<BundleVerifier> {
    if (!this.#verifier) {
      throw new ConfigError("verifier", "Attempting to verify with no configured verifier");
    }
    return await this.#verifier();
  }

  #options() {
    return { hashing: this.#hashing, ignoreUnsignedFiles: this.#ignoreUnsigned, only: this.#only };
  }
}
