/**
 * The signing configuration (Python `model_signing.signing.Config`, §8):
 * which method signs and how the model is hashed, and the top-level
 * {@linkcode sign} (Python `model_signing.signing.sign`).
 *
 * @module
 */

import { assertNotEmpty, HashingConfig } from "./hashing_config.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { bundleSignature, serializeBundleChunks, withRfc3161Timestamps } from "../format/bundle.ts";
import { ConfigError, PayloadError } from "../errors.ts";
import { buildStatement, parseStatement, PAYLOAD_TYPE } from "../format/statement.ts";
import { modelName } from "../hashing/paths.ts";
import { requireNetAccess } from "../util/http.ts";
import { inSpan, type SpanScope } from "../util/telemetry.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { checkSignatureTarget } from "./signature_target.ts";
import { EllipticKeySigner } from "../methods/key/signer.ts";
import type { CertificateSignerFiles } from "../methods/certificate/signer.ts";
import type { SigstoreSignerOptions } from "../methods/sigstore/options.ts";
import type { BundleJson, PayloadSigner, SignerInfo } from "../format/contracts.ts";
import { hashReusing, type ReuseOptions, type ReuseReport, reuseVerifier } from "./reuse.ts";

/**
 * Refuses a statement that no verifier would accept (a name leaving the
 * model, a name twice, a digest of the wrong size…): a caller's manifest is
 * checked by the same parser that verification uses.
 *
 * @throws {PayloadError}
 */
function checkVerifiable(statement: Uint8Array): void {
  try {
    parseStatement(PAYLOAD_TYPE, statement);
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    throw new PayloadError(
      e.field,
      `Refusing to sign a manifest that no verifier would accept: ${e.message}`,
    );
  }
}

/** What a signing produced. */
export interface SigningResult {
  /** The signed manifest. */
  readonly manifest: Manifest;
  /** Who signed, as the method describes it. */
  readonly signer?: SignerInfo;
  /** What was reused and hashed, when re-signing with {@linkcode SigningConfig.reuseSignature}. */
  readonly reuse?: ReuseReport;
}

/** Prepares the signer when `sign` runs; methods whose packages load lazily import them here. */
type SignerLoader = () => Promise<PayloadSigner>;

/** Adds a timestamp to a freshly signed bundle. */
type Timestamper = (bundle: BundleJson) => Promise<BundleJson>;

/**
 * Which signer, and how the model is hashed. Every `use*` and `set*` method
 * returns the object itself so calls chain as in the Python API; without a
 * `use*` call, {@linkcode SigningConfig.sign} signs with Sigstore.
 */
export class SigningConfig {
  #hashing: HashingConfig = new HashingConfig();
  #signer: SignerLoader | undefined;
  #keyless = true;
  #tsaUrl: string | undefined;
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

  /**
   * After signing, ask the RFC 3161 time-stamping authority at `url` (HTTP or HTTPS) for a
   * timestamp over the signature and store it in the bundle (`--tsa-url`; docs/format.md §4.6).
   * The answer is checked (status granted, the imprint and the nonce echoed) before anything is
   * written; an unreachable TSA or a wrong answer fails the signing. For the key, certificate and
   * PKCS #11 signers and custom ones, not Sigstore (whose instance timestamps its own bundles).
   * `undefined` turns it off.
   *
   * @throws {ConfigError} when `url` is not an absolute http: or https: URL.
   */
  setTsaUrl(url: string | undefined): this {
    if (url !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
        throw new ConfigError("tsa-url", "--tsa-url must be an http:// or https:// URL.");
      }
    }
    this.#tsaUrl = url;
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
    }, true);
  }

  #useLoader(load: SignerLoader, keyless = false): this {
    this.#signer = load;
    this.#keyless = keyless;
    return this;
  }

  /** The TSA step, its packages loaded now (before hashing), or undefined without a TSA. */
  async #timestamper(): Promise<Timestamper | undefined> {
    const url = this.#tsaUrl;
    if (url === undefined) return undefined;
    if (this.#keyless) {
      throw new ConfigError(
        "tsa-url",
        "--tsa-url applies to key, certificate and PKCS #11 signing; a Sigstore instance timestamps its own signatures.",
      );
    }
    // Asked before hashing: without it, signing would fail only after the model is hashed.
    requireNetAccess([url], "--tsa-url", (m) => new ConfigError("tsa-url", m));
    const { requestTimestamp } = await import("../crypto/tsa_client.ts");
    return async (bundle) =>
      withRfc3161Timestamps(bundle, [await requestTimestamp(url, bundleSignature(bundle))]);
  }

  /**
   * Sign with an EC private key on a PKCS #11 token (Python
   * `use_pkcs11_signer`); the bundle is the key method's. `uri` is an RFC 7512
   * URI naming the module, the token, the key (`object` and/or `id`) and
   * optionally the PIN (`pin-value`, `pin-source`); without one, the PIN is
   * asked for on the terminal. The FFI code loads, and the token is opened
   * and checked, when {@linkcode SigningConfig.sign} starts, before hashing.
   * Needs `--allow-ffi`.
   */
  usePkcs11Signer(options: { uri: string }): this {
    return this.#useLoader(async () => {
      const { Pkcs11Signer } = await import("../methods/pkcs11/signer.ts");
      return await Pkcs11Signer.open(options.uri);
    });
  }

  /**
   * Sign with a PKCS #11 token key and its certificate (Python
   * `use_pkcs11_certificate_signer`); the bundle is the certificate method's.
   * The token's public key must be the certificate's. Opened like
   * {@linkcode SigningConfig.usePkcs11Signer}.
   */
  usePkcs11CertificateSigner(options: {
    uri: string;
    signingCertificate: string;
    certificateChain?: readonly string[];
  }): this {
    const copy = { ...options, certificateChain: [...(options.certificateChain ?? [])] };
    return this.#useLoader(async () => {
      const { Pkcs11CertificateSigner } = await import("../methods/pkcs11/certificate_signer.ts");
      return await Pkcs11CertificateSigner.open(copy);
    });
  }

  /**
   * Prepares the signer (Sigstore with default options if no `use*` method
   * was called, as in Python), hashes the model, signs the statement and
   * writes the signature to `signaturePath` atomically. The library does not leave the signature
   * file out of the hashing by itself: add it to the hashing config's ignored
   * paths when it lies inside the model (the CLI does). A signature path
   * that is a symlink, or an existing model file that is not a signature, is
   * refused before hashing and checked again before the write.
   *
   * @returns the signed manifest.
   * @throws {ModelSigningError} subclasses (as a rejected promise); nothing is written on failure.
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
    checkSignatureTarget(signaturePath, modelPath);
    return await this.#withSigner(modelPath, async (signer, timestamper, span) => {
      const steps = { signer, timestamper, span };
      if (!this.#reuse) {
        const manifest = await this.#hashing.hash(modelPath);
        return await this.#signManifest(manifest, signaturePath, steps, modelPath);
      }
      const verifier = reuseVerifier(this.#reuse, signer);
      const reused = await hashReusing(modelPath, this.#hashing, verifier, this.#reuse);
      return {
        ...(await this.#signManifest(reused.manifest, signaturePath, steps, modelPath)),
        reuse: reused.report,
      };
    });
  }

  /**
   * Signs a manifest built without hashing files (e.g. from an OCI image
   * manifest, see `ociManifest`) and writes the signature atomically.
   *
   * @throws {ModelSigningError} subclasses; nothing is written on failure.
   */
  async signManifest(manifest: Manifest, signaturePath: string): Promise<SigningResult> {
    checkSignatureTarget(signaturePath);
    return await this.#withSigner(
      manifest.modelName,
      (signer, timestamper, span) =>
        this.#signManifest(manifest, signaturePath, { signer, timestamper, span, check: true }),
    );
  }

  /** Runs `work` in the `sign` span with the configured signer, released afterwards. */
  async #withSigner<T>(
    source: string,
    work: (
      signer: PayloadSigner,
      timestamper: Timestamper | undefined,
      span: SpanScope,
    ) => Promise<T>,
  ): Promise<T> {
    if (!this.#signer) this.useSigstoreSigner();
    // Before hashing: a wrong key, certificate, token, trust config or TSA URL fails at once.
    const timestamper = await this.#timestamper();
    const signer = await this.#signer!();
    try {
      return await inSpan(
        "sign",
        { "model.name": modelName(source) },
        (span) => work(signer, timestamper, span),
      );
    } finally {
      signer.close?.();
    }
  }

  /**
   * Signs `manifest` (of the model at `modelPath`, when there is one), timestamps the signature
   * if asked, and writes it.
   */
  async #signManifest(
    manifest: Manifest,
    signaturePath: string,
    steps: {
      signer: PayloadSigner;
      timestamper: Timestamper | undefined;
      span: SpanScope;
      /** Parse the statement as a verifier would: the manifest was not made by hashing. */
      check?: boolean;
    },
    modelPath?: string,
  ): Promise<SigningResult> {
    const { signer, timestamper, span } = steps;
    assertNotEmpty(manifest, modelPath ?? manifest.modelName);
    span.set({ "model.root_digest": manifest.rootDigestString() });
    const statement = await inSpan("statement", {}, () => buildStatement(manifest));
    if (steps.check) checkVerifiable(statement);
    const signed = await inSpan(
      "sign_payload",
      { "signing.signer": signer.constructor.name },
      () => signer.sign(statement),
    );
    const bundle = timestamper ? await inSpan("timestamp", {}, () => timestamper(signed)) : signed;
    // Again just before the write: the path may have changed while hashing.
    checkSignatureTarget(signaturePath, modelPath);
    writeFileAtomic(signaturePath, serializeBundleChunks(bundle));
    return { manifest, signer: signer.describe?.(bundle) };
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
