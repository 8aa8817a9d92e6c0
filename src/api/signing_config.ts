/**
 * The signing configuration (Python `model_signing.signing.Config`, §8):
 * which method signs and how the model is hashed.
 *
 * @example
 * ```ts
 * import { SigningConfig } from "./signing_config.ts";
 * await new SigningConfig()
 *   .useEllipticKeySigner({ privateKey: "key.pem" })
 *   .sign("path/to/model", "model.sig");
 * ```
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { assertNotEmpty, HashingConfig } from "./hashing_config.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { serializeBundle } from "../format/bundle.ts";
import { buildStatement } from "../format/statement.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { EllipticKeySigner } from "../methods/key/signer.ts";
import type { SigstoreSignerOptions } from "../methods/sigstore/options.ts";
import type { PayloadSigner, SignerInfo } from "../format/contracts.ts";
import { hashReusing, type ReuseOptions, type ReuseReport, reuseVerifier } from "./reuse.ts";

/** What a signing produced. */
export interface SigningResult {
  /** The signed manifest. */
  readonly manifest: Manifest;
  /** Who signed, as the method describes it. */
  readonly signer?: SignerInfo;
  /** What was reused and hashed, when re-signing with {@linkcode SigningConfig.reuseSignature}. */
  readonly reuse?: ReuseReport;
}

/** Which signer, and how the model is hashed. Setters chain. */
export class SigningConfig {
  #hashing: HashingConfig = new HashingConfig();
  #signer: PayloadSigner | undefined;
  #reuse: ReuseOptions | undefined;

  /** Hash the model with `config` (default: files, SHA-256, git entries ignored). */
  setHashingConfig(config: HashingConfig): this {
    this.#hashing = config;
    return this;
  }

  /**
   * Re-sign incrementally: keep the digests of `options.signature` for the
   * files that did not change (see src/api/reuse.ts for the rules). The old
   * signature is verified before anything is hashed, with the signer's own
   * verifier unless `options.verifier` names one (required for Sigstore).
   */
  reuseSignature(options: ReuseOptions): this {
    this.#reuse = options;
    return this;
  }

  /** Sign with any {@linkcode PayloadSigner}. */
  useSigner(signer: PayloadSigner): this {
    this.#signer = signer;
    return this;
  }

  /**
   * Sign with an EC private key (PEM, SEC1 or PKCS#8, optionally encrypted).
   * The key is loaded and checked now.
   *
   * @throws {KeyError}
   */
  useEllipticKeySigner(options: { privateKey: string; password?: string }): this {
    return this.useSigner(EllipticKeySigner.fromFile(options.privateKey, options.password));
  }

  /**
   * Sign with a private key and its certificate; `certificateChain` files are
   * included in the signature after the signing certificate. Asynchronous
   * because the X.509 library is loaded only here: it costs ~130 ms of
   * start-up that the key and Sigstore methods must not pay.
   *
   * @throws {KeyError | CertificateError}
   */
  async useCertificateSigner(options: {
    privateKey: string;
    signingCertificate: string;
    certificateChain?: readonly string[];
    password?: string;
  }): Promise<this> {
    const { CertificateSigner } = await import("../methods/certificate/signer.ts");
    return this.useSigner(CertificateSigner.fromFiles(options));
  }

  /**
   * Sign with Sigstore keyless signing (the default method of the Python
   * tool): an OIDC identity token from `identityToken`, else ambient CI
   * credentials when `useAmbientCredentials`, else an interactive login. The
   * instance is staging if `useStaging`, else the one `trustConfig`
   * describes, else production. The instance's configuration is read and
   * checked now, so that a wrong one fails before the model is hashed; the
   * token is obtained only when signing, after hashing, so that it is still
   * fresh for Fulcio. Asynchronous because the Sigstore packages load here.
   *
   * @throws {ConfigError} for an unreadable or invalid trust config.
   */
  async useSigstoreSigner(options: SigstoreSignerOptions = {}): Promise<this> {
    const { SigstoreSigner } = await import("../methods/sigstore/signer.ts");
    return this.useSigner(new SigstoreSigner(options));
  }

  /**
   * Hashes the model, signs the statement and writes the signature to
   * `signaturePath` atomically. The library does not leave the signature
   * file out of the hashing by itself: add it to the hashing config's ignored
   * paths when it lies inside the model (the CLI does).
   *
   * @returns the signed manifest.
   * @throws {ModelSigningError} subclasses; nothing is written on failure.
   */
  async sign(modelPath: string, signaturePath: string): Promise<Manifest> {
    return (await this.signDetailed(modelPath, signaturePath)).manifest;
  }

  /**
   * {@linkcode SigningConfig.sign} with the details: the signer and, when
   * re-signing, how many files and bytes were reused and hashed.
   *
   * @throws {ModelSigningError} subclasses; nothing is written on failure.
   */
  async signDetailed(modelPath: string, signaturePath: string): Promise<SigningResult> {
    const signer = this.#configuredSigner();
    if (!this.#reuse) {
      return await this.#signManifest(
        await this.#hashing.hash(modelPath),
        modelPath,
        signaturePath,
        signer,
      );
    }
    const verifier = reuseVerifier(this.#reuse, signer);
    const { manifest, report } = await hashReusing(modelPath, this.#hashing, verifier, this.#reuse);
    return {
      ...(await this.#signManifest(manifest, modelPath, signaturePath, signer)),
      reuse: report,
    };
  }

  /**
   * Signs a manifest built without hashing files (e.g. from an OCI image
   * manifest, see `ociManifest`) and writes the signature atomically.
   *
   * @throws {ModelSigningError} subclasses; nothing is written on failure.
   */
  async signManifest(manifest: Manifest, signaturePath: string): Promise<SigningResult> {
    return await this.#signManifest(
      manifest,
      manifest.modelName,
      signaturePath,
      this.#configuredSigner(),
    );
  }

  #configuredSigner(): PayloadSigner {
    if (!this.#signer) {
      throw new ConfigError("signer", "Attempting to sign with no configured signer");
    }
    return this.#signer;
  }

  async #signManifest(
    manifest: Manifest,
    source: string,
    signaturePath: string,
    signer: PayloadSigner,
  ): Promise<SigningResult> {
    assertNotEmpty(manifest, source);
    const bundle = await signer.sign(buildStatement(manifest));
    writeFileAtomic(signaturePath, serializeBundle(bundle));
    return { manifest, signer: signer.describe?.(bundle) };
  }
}
