/**
 * The signing configuration (Python `model_signing.signing.Config`, §8):
 * which method signs and how the model is hashed, and the top-level
 * {@linkcode sign} (Python `model_signing.signing.sign`).
 *
 * @module
 */

import { assertNotEmpty, HashingConfig } from "./hashing_config.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { serializeBundle } from "../format/bundle.ts";
import { buildStatement } from "../format/statement.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { EllipticKeySigner } from "../methods/key/signer.ts";
import type { CertificateSignerFiles } from "../methods/certificate/signer.ts";
import type { SigstoreSignerOptions } from "../methods/sigstore/options.ts";
import type { PayloadSigner } from "../format/contracts.ts";

/** Prepares the signer when `sign` runs; methods whose packages load lazily import them here. */
type SignerLoader = () => Promise<PayloadSigner>;

/**
 * Which signer, and how the model is hashed. Every `use*` and `set*` method
 * returns the object itself so calls chain as in the Python API; without a
 * `use*` call, {@linkcode SigningConfig.sign} signs with Sigstore.
 */
export class SigningConfig {
  #hashing: HashingConfig = new HashingConfig();
  #signer: SignerLoader | undefined;

  /** Hash the model with `config` (default: files, SHA-256, git entries ignored). */
  setHashingConfig(config: HashingConfig): this {
    this.#hashing = config;
    return this;
  }

  /** Sign with any {@linkcode PayloadSigner}. */
  useSigner(signer: PayloadSigner): this {
    return this.#useLoader(() => Promise.resolve(signer));
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
   * included in the signature after the signing certificate. The files are
   * read and checked when {@linkcode SigningConfig.sign} starts, before the
   * model is hashed: the X.509 library they need loads only then (it costs
   * ~130 ms of start-up that the other methods must not pay).
   */
  useCertificateSigner(options: CertificateSignerFiles): this {
    const files = { ...options, certificateChain: [...(options.certificateChain ?? [])] };
    return this.#useLoader(async () => {
      const { CertificateSigner } = await import("../methods/certificate/signer.ts");
      return CertificateSigner.fromFiles(files);
    });
  }

  /**
   * Sign with Sigstore keyless signing (the default method of the Python
   * tool): an OIDC identity token from `identityToken`, else ambient CI
   * credentials when `useAmbientCredentials`, else an interactive login. The
   * instance is staging if `useStaging`, else the one `trustConfig`
   * describes, else production. The Sigstore packages load and the
   * instance's configuration is read and checked when
   * {@linkcode SigningConfig.sign} starts, so a wrong one fails before the
   * model is hashed; the token is obtained after hashing, so that it is
   * still fresh for Fulcio.
   */
  useSigstoreSigner(options: SigstoreSignerOptions = {}): this {
    const copy = { ...options };
    return this.#useLoader(async () => {
      const { SigstoreSigner } = await import("../methods/sigstore/signer.ts");
      return new SigstoreSigner(copy);
    });
  }

  #useLoader(load: SignerLoader): this {
    this.#signer = load;
    return this;
  }

  /**
   * Prepares the signer (Sigstore with default options if no `use*` method
   * was called, as in Python), hashes the model, signs the statement and
   * writes the signature to `signaturePath` atomically. The library does not
   * leave the signature file out of the hashing by itself: add it to the
   * hashing config's ignored paths when it lies inside the model (the CLI
   * does).
   *
   * @returns the signed manifest.
   * @throws {ModelSigningError} subclasses (as a rejected promise); nothing is written on failure.
   */
  async sign(modelPath: string, signaturePath: string): Promise<Manifest> {
    if (!this.#signer) this.useSigstoreSigner();
    // Before hashing: a wrong key, certificate or trust config fails at once.
    const signer = await this.#signer!();
    const manifest = await this.#hashing.hash(modelPath);
    assertNotEmpty(manifest, modelPath);
    const bundle = await signer.sign(buildStatement(manifest));
    writeFileAtomic(signaturePath, serializeBundle(bundle));
    return manifest;
  }
}

/**
 * Signs the model at `modelPath` with the default configuration, as Python's
 * `model_signing.signing.sign` does: Sigstore keyless signing with an
 * interactive login (production instance), default hashing (files, SHA-256,
 * git entries ignored). The signature is written to `signaturePath`.
 *
 * @example
 * ```ts ignore
 * import { sign } from "./mod.ts";
 *
 * await sign("path/to/model", "model.sig"); // opens a browser to log in
 * ```
 *
 * @returns the signed manifest.
 * @throws {ModelSigningError} subclasses (as a rejected promise).
 */
export function sign(modelPath: string, signaturePath: string): Promise<Manifest> {
  return new SigningConfig().sign(modelPath, signaturePath);
}
