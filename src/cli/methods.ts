/**
 * The signing methods as the command line offers them (§7.1): the method
 * word after `sign`/`verify`, each method's options, and their translation
 * into library configuration calls. No signing logic lives here.
 *
 * @module
 */

import type { SigningConfig } from "../api/signing_config.ts";
import { sigstoreVerifier, type VerifyingConfig } from "../api/verifying_config.ts";
import type { BundleVerifier } from "../format/contracts.ts";
import {
  type CommandSpec,
  HelpRequested,
  type OptionSpecs,
  type OptionValues,
  parseCommand,
  requireString,
  UsageError,
} from "./args.ts";

/** Method words accepted after `sign`/`verify`. */
export const METHOD_WORDS = [
  "sigstore",
  "key",
  "certificate",
  "pkcs11-key",
  "pkcs11-certificate",
] as const;

/** One method word. */
export type MethodWord = typeof METHOD_WORDS[number];

/** How one method appears on the command line. */
export interface CliMethod {
  /** Options of `sign <method>`. */
  readonly signOptions: OptionSpecs;
  /** Options of `verify <method>`. */
  readonly verifyOptions: OptionSpecs;
  /** One paragraph for `sign <method> --help`. */
  readonly signDescription: string;
  /** One paragraph for `verify <method> --help`. */
  readonly verifyDescription: string;
  /** Applies `sign` option values to the library configuration. */
  configureSigner(values: OptionValues, config: SigningConfig, usage: string): void;
  /**
   * The verifier of an old signature for `--reuse-signature`, for methods
   * whose signer cannot check its own signatures (Sigstore).
   */
  reuseVerifier?(values: OptionValues, usage: string): BundleVerifier;
  /**
   * Applies `verify` option values to the library configuration; absent for a method whose
   * signatures another method verifies ({@linkcode CliMethod.verifiedAs}).
   */
  configureVerifier?(values: OptionValues, config: VerifyingConfig, usage: string): void;
  /** The method that verifies this one's signatures, when it has no verifier of its own. */
  readonly verifiedAs?: "key" | "certificate";
}

const CERTIFICATE_CHAIN = {
  type: "string",
  multiple: true,
  metavar: "PATH",
  help: "PEM file with one or more certificates",
} as const;

const TSA_URL = {
  type: "string",
  metavar: "URL",
  help: "After signing, get an RFC 3161 timestamp over the signature from this TSA " +
    "(needs --allow-net for its host)",
} as const;

const TSA_CERTIFICATE_CHAIN = {
  type: "string",
  multiple: true,
  metavar: "PATH",
  help: "PEM TSA certificate and its chain up to a trusted root: every timestamp in the " +
    "signature must verify, and there must be one (default: timestamps are ignored)",
} as const;

const strings = (values: OptionValues, name: string) =>
  (values[name] as string[] | undefined) ?? [];
const optional = (values: OptionValues, name: string) => values[name] as string | undefined;

const key: CliMethod = {
  signDescription: "Sign with an elliptic-curve private key (P-256, P-384, P-521).",
  verifyDescription:
    "Verify a signature made with an elliptic-curve private key (also on a PKCS #11 token), with its public key.",
  signOptions: {
    "private-key": {
      type: "string",
      metavar: "PATH",
      help: "PEM private key, SEC1 or PKCS#8 (required)",
    },
    password: { type: "string", metavar: "TEXT", help: "Password of an encrypted private key" },
    "tsa-url": TSA_URL,
  },
  verifyOptions: {
    "public-key": { type: "string", metavar: "PATH", help: "PEM public key (required)" },
    "tsa-certificate-chain": TSA_CERTIFICATE_CHAIN,
  },
  configureSigner(values, config, usage) {
    config.useEllipticKeySigner({
      privateKey: requireString(values, "private-key", usage),
      password: optional(values, "password"),
    }).setTsaUrl(optional(values, "tsa-url"));
  },
  configureVerifier(values, config, usage) {
    config.useEllipticKeyVerifier({
      publicKey: requireString(values, "public-key", usage),
      tsaCertificateChain: strings(values, "tsa-certificate-chain"),
    });
  },
};

const certificate: CliMethod = {
  signDescription: "Sign with a private key and its X.509 certificate chain.",
  verifyDescription:
    "Verify a signature made with an X.509 certificate (also with a PKCS #11 token key), against trusted CA certificates.",
  signOptions: {
    "private-key": {
      type: "string",
      metavar: "PATH",
      help: "PEM private key of the signing certificate (required)",
    },
    "signing-certificate": {
      type: "string",
      metavar: "PATH",
      help: "PEM signing certificate (required)",
    },
    "certificate-chain": {
      ...CERTIFICATE_CHAIN,
      help: "PEM intermediates to include in the signature",
    },
    "tsa-url": TSA_URL,
  },
  verifyOptions: {
    "certificate-chain": {
      ...CERTIFICATE_CHAIN,
      help:
        "PEM trusted root certificates (default: the Mozilla roots Deno ships, which need --allow-sys)",
    },
    "log-fingerprints": {
      type: "boolean",
      help: "Log the SHA-256 fingerprints of all certificates",
    },
    "tsa-certificate-chain": {
      ...TSA_CERTIFICATE_CHAIN,
      help: TSA_CERTIFICATE_CHAIN.help +
        "; the certificate chain is then checked at each timestamp's time instead of now",
    },
    "validate-at-not-before": {
      type: "boolean",
      help: "Without timestamps, check the certificate chain at the signing certificate's " +
        "notBefore, as the Python tool does (an expired certificate verifies), instead of now",
    },
  },
  configureSigner(values, config, usage) {
    config.useCertificateSigner({
      privateKey: requireString(values, "private-key", usage),
      signingCertificate: requireString(values, "signing-certificate", usage),
      certificateChain: strings(values, "certificate-chain"),
    }).setTsaUrl(optional(values, "tsa-url"));
  },
  configureVerifier(values, config) {
    config.useCertificateVerifier({
      certificateChain: strings(values, "certificate-chain"),
      logFingerprints: values["log-fingerprints"] === true,
      tsaCertificateChain: strings(values, "tsa-certificate-chain"),
      validateAtNotBefore: values["validate-at-not-before"] === true,
    });
  },
};

const STAGING = { type: "boolean", help: "Use Sigstore's staging instance" } as const;
const TRUST_CONFIG = {
  type: "string",
  metavar: "PATH",
  help: "Sigstore ClientTrustConfig JSON of a private instance (trusted root and signing config)",
} as const;

const sigstore: CliMethod = {
  signDescription:
    "Keyless signing: a short-lived Fulcio certificate for your OIDC identity, logged in Rekor.",
  verifyDescription:
    "Verify a keyless Sigstore signature: its certificate's identity and OIDC issuer, and its Rekor log entry.",
  signOptions: {
    "use-staging": STAGING,
    "trust-config": TRUST_CONFIG,
    "use-ambient-credentials": {
      type: "boolean",
      help:
        "Take the identity token from the CI or cloud environment (SIGSTORE_ID_TOKEN[_FILE], GitHub Actions, Buildkite, CircleCI, Google Cloud)",
    },
    "identity-token": { type: "string", metavar: "TOKEN", help: "A fixed OIDC identity token" },
    "oauth-force-oob": {
      type: "boolean",
      help: "Interactive login without a browser: print the URL, read the code",
    },
    "client-id": { type: "string", metavar: "ID", help: "OAuth client id (default: sigstore)" },
    "client-secret": { type: "string", metavar: "SECRET", help: "OAuth client secret" },
    "reuse-identity": {
      type: "string",
      metavar: "TEXT",
      help: "With --reuse-signature: the identity that made the old signature",
    },
    "reuse-identity-provider": {
      type: "string",
      metavar: "URL",
      help: "With --reuse-signature: the OIDC issuer of that identity",
    },
  },
  verifyOptions: {
    identity: {
      type: "string",
      metavar: "TEXT",
      help: "The signer's identity, exactly as in the certificate (required)",
    },
    "identity-provider": {
      type: "string",
      metavar: "URL",
      help: "The OIDC issuer of the identity, exactly (required)",
    },
    "use-staging": STAGING,
    "trust-config": TRUST_CONFIG,
  },
  configureSigner(values, config) {
    config.useSigstoreSigner({
      useStaging: values["use-staging"] === true,
      trustConfig: optional(values, "trust-config"),
      useAmbientCredentials: values["use-ambient-credentials"] === true,
      identityToken: optional(values, "identity-token"),
      forceOob: values["oauth-force-oob"] === true,
      clientId: optional(values, "client-id"),
      clientSecret: optional(values, "client-secret"),
    });
  },
  reuseVerifier(values, usage) {
    return sigstoreVerifier({
      identity: requireString(values, "reuse-identity", usage),
      oidcIssuer: requireString(values, "reuse-identity-provider", usage),
      useStaging: values["use-staging"] === true,
      trustConfig: optional(values, "trust-config"),
    });
  },
  configureVerifier(values, config, usage) {
    config.useSigstoreVerifier({
      identity: requireString(values, "identity", usage),
      oidcIssuer: requireString(values, "identity-provider", usage),
      useStaging: values["use-staging"] === true,
      trustConfig: optional(values, "trust-config"),
    });
  },
};

const PKCS11_URI = {
  type: "string",
  metavar: "URI",
  help: "RFC 7512 PKCS #11 URI of the private key, e.g. " +
    "'pkcs11:token=T;object=K?module-path=/usr/lib/softhsm/libsofthsm2.so' (required)",
} as const;

const pkcs11Key: CliMethod = {
  signDescription:
    "Sign with an elliptic-curve key on a PKCS #11 token (needs --allow-ffi); verify with 'verify key'.",
  verifyDescription: "Not a verify method: verify PKCS #11 key signatures with 'verify key'.",
  signOptions: { "pkcs11-uri": PKCS11_URI, "tsa-url": TSA_URL },
  verifyOptions: {},
  configureSigner(values, config, usage) {
    config.usePkcs11Signer({ uri: requireString(values, "pkcs11-uri", usage) })
      .setTsaUrl(optional(values, "tsa-url"));
    return Promise.resolve();
  },
  verifiedAs: "key",
};

const pkcs11Certificate: CliMethod = {
  signDescription:
    "Sign with a PKCS #11 token key and its X.509 certificate (needs --allow-ffi); verify with 'verify certificate'.",
  verifyDescription:
    "Not a verify method: verify PKCS #11 certificate signatures with 'verify certificate'.",
  signOptions: {
    "pkcs11-uri": PKCS11_URI,
    "signing-certificate": certificate.signOptions["signing-certificate"],
    "certificate-chain": certificate.signOptions["certificate-chain"],
    "tsa-url": TSA_URL,
  },
  verifyOptions: {},
  configureSigner(values, config, usage) {
    config.usePkcs11CertificateSigner({
      uri: requireString(values, "pkcs11-uri", usage),
      signingCertificate: requireString(values, "signing-certificate", usage),
      certificateChain: strings(values, "certificate-chain"),
    }).setTsaUrl(optional(values, "tsa-url"));
    return Promise.resolve();
  },
  verifiedAs: "certificate",
};

const CLI_METHODS: Record<MethodWord, CliMethod> = {
  sigstore,
  key,
  certificate,
  "pkcs11-key": pkcs11Key,
  "pkcs11-certificate": pkcs11Certificate,
};

/**
 * Splits `sign`/`verify` arguments into the method and its arguments: a
 * leading method word selects the method; otherwise Sigstore gets all tokens
 * (§7.1).
 */
export function selectMethod(
  args: readonly string[],
): { name: MethodWord; method: CliMethod; rest: readonly string[] } {
  const first = args[0] as MethodWord;
  const name: MethodWord = (METHOD_WORDS as readonly string[]).includes(first) ? first : "sigstore";
  const method = CLI_METHODS[name];
  return { name, method, rest: name === first ? args.slice(1) : args };
}

/** What {@linkcode parseMethodCommand} needs to know about `sign` or `verify`. */
export interface MethodCommand {
  /** `sign` or `verify`. */
  readonly verb: "sign" | "verify";
  /** Help of the command without a method word. */
  readonly groupHelp: string;
  /** Options every method takes. */
  readonly common: OptionSpecs;
  /** The method's own options. */
  readonly methodOptions: (method: CliMethod) => OptionSpecs;
  /** The method's paragraph in help. */
  readonly methodDescription: (method: CliMethod) => string;
  /** Text added to each method's description in help. */
  readonly descriptionTail: string;
  /** MODEL_PATH may be left out (an option names the input instead). */
  readonly modelOptional?: boolean;
}

/**
 * Parses `sign`/`verify` arguments: no arguments is a usage error, a leading
 * `--help` shows the command's help, otherwise the method is selected and
 * its options parsed.
 *
 * @throws {UsageError | HelpRequested}
 */
export function parseMethodCommand(args: readonly string[], command: MethodCommand): {
  method: CliMethod;
  spec: CommandSpec;
  values: OptionValues;
  modelPath: string | undefined;
  name: MethodWord;
} {
  const words = command.verb === "sign" ? METHOD_WORDS.join("|") : "sigstore|key|certificate";
  const usage = `model_signing ${command.verb} [${words}] [OPTIONS] MODEL_PATH`;
  if (args.length === 0) throw new UsageError("Missing method or MODEL_PATH.", usage);
  if (args[0] === "-h" || args[0] === "--help") throw new HelpRequested(command.groupHelp);
  const { name, method, rest } = selectMethod(args);
  if (command.verb === "verify" && method.verifiedAs && rest[0] !== "-h" && rest[0] !== "--help") {
    // Before its options are parsed: they are the other method's, and would be refused first.
    throw new UsageError(
      `Verify a PKCS #11 signature with 'model_signing verify ${method.verifiedAs}'.`,
      usage,
    );
  }
  const spec: CommandSpec = {
    usage: `model_signing ${command.verb} ${name} [OPTIONS] MODEL_PATH`,
    description: `${command.methodDescription(method)}\n${command.descriptionTail}`,
    options: { ...command.common, ...command.methodOptions(method) },
    positionals: 1,
    minPositionals: command.modelOptional ? 0 : 1,
  };
  const { values, positionals } = parseCommand(rest, spec);
  return { method, spec, values, modelPath: positionals[0], name };
}
