/**
 * The keyless golden vector (`vectors/v1.0.1-sigstore`, public-good Sigstore) and the
 * `verify sigstore` arguments that verify it.
 *
 * @module
 */

/** The vector's folder below the vectors root. */
export const SIGSTORE_FOLDER = "v1.0.1-sigstore";
/** The signer's identity in the vector's certificate. */
export const SIGSTORE_IDENTITY = "stefanb@us.ibm.com";
/** The OIDC issuer in the vector's certificate. */
export const SIGSTORE_ISSUER = "https://sigstore.verify.ibm.com/oauth2";

/**
 * `verify sigstore` arguments for the vector. `inModel` prefixes files inside the model
 * (`v1.0.1-sigstore/` from the vectors root, empty from inside), `model` is the model path.
 */
export function sigstoreVerifyArgs(
  at: { model: string; inModel: string } = {
    model: SIGSTORE_FOLDER,
    inModel: `${SIGSTORE_FOLDER}/`,
  },
  identity = SIGSTORE_IDENTITY,
  issuer = SIGSTORE_ISSUER,
): string[] {
  return [
    "verify",
    "sigstore",
    "--identity",
    identity,
    "--identity-provider",
    issuer,
    "--ignore-paths",
    `${at.inModel}ignore-me`,
    "--signature",
    `${at.inModel}model.sig`,
    at.model,
  ];
}
