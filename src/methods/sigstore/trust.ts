/**
 * Where Sigstore trust comes from (docs/format.md §5.4): the instance's trusted
 * root (CA certificates, CT logs, transparency logs, timestamp authorities)
 * for verification, and its signing configuration (service URLs) for
 * signing. Production and staging are built in, and a
 * ClientTrustConfig file (`--trust-config`) describes a private instance.
 *
 * @module
 */

import * as nodePath from "node:path";
import { ConfigError, SigstoreError } from "../../errors.ts";
import { SigningConfig, TrustedRoot, TUF_SEEDS } from "../../deps/sigstore.ts";
import { fromBase64 } from "../../util/encoding.ts";
import { isJsonObject, jsonSyntaxReason } from "../../util/json.ts";
import { readInputText } from "../../util/input_file.ts";

/** Largest trust config read: real ones (a trusted root and a signing config) are tens of KiB. */
export const MAX_TRUST_CONFIG_BYTES = 16 * 1024 * 1024;
import type { VerificationLog } from "../../format/contracts.ts";

/** JSON form of a Sigstore `SigningConfig` (media type v0.2). */
export type SigningConfigJson = Record<string, unknown>;

/** JSON form of a Sigstore `TrustedRoot`. */
export type TrustedRootJson = Record<string, unknown>;

/** A parsed ClientTrustConfig file. */
export interface ClientTrustConfig {
  /** The file it was read from. */
  readonly path: string;
  /** The instance's trusted root. */
  readonly trustedRoot: TrustedRootJson;
  /** The instance's services, when the file has them (`signingConfig` or `signing_config`). */
  readonly signingConfig?: SigningConfigJson;
}

const service = (url: string, start: string) => ({
  url,
  majorApiVersion: 1,
  validFor: { start },
  operator: "sigstore.dev",
});

const signingConfig = (fulcio: string, oidc: string, rekor: string, tsa: string) => ({
  mediaType: "application/vnd.dev.sigstore.signingconfig.v0.2+json",
  caUrls: [service(fulcio, "2022-04-13T00:00:00Z")],
  oidcUrls: [service(oidc, "2022-04-13T00:00:00Z")],
  rekorTlogUrls: [service(rekor, "2021-01-12T00:00:00Z")],
  tsaUrls: [service(tsa, "2025-01-01T00:00:00Z")],
  rekorTlogConfig: { selector: "ANY" },
  tsaConfig: { selector: "ANY" },
});

/** The public-good instance's services: Fulcio, OIDC, Rekor v1 and the timestamp authority. */
export const PRODUCTION_SIGNING_CONFIG: SigningConfigJson = signingConfig(
  "https://fulcio.sigstore.dev",
  "https://oauth2.sigstore.dev/auth",
  "https://rekor.sigstore.dev",
  "https://timestamp.sigstore.dev/api/v1/timestamp",
);

/** The staging instance's services (`--use-staging`). */
export const STAGING_SIGNING_CONFIG: SigningConfigJson = signingConfig(
  "https://fulcio.sigstage.dev",
  "https://oauth2.sigstage.dev/auth",
  "https://rekor.sigstage.dev",
  "https://timestamp.sigstage.dev/api/v1/timestamp",
);

/** The public-good TUF repository. */
export const PRODUCTION_TUF_URL = "https://tuf-repo-cdn.sigstore.dev";

/** How long a TUF refresh of the production trusted root may take before the shipped one is used. */
export const TUF_TIMEOUT_MS = 3000;

/**
 * Reads a ClientTrustConfig JSON file. Protobuf-JSON allows the snake-case
 * `signing_config` as well as `signingConfig` (§10 item 22).
 *
 * @throws {ConfigError} when the file cannot be read or has no trusted root.
 */
export function readTrustConfig(path: string): ClientTrustConfig {
  const text = readInputText(path, {
    what: "trust config",
    maxBytes: MAX_TRUST_CONFIG_BYTES,
    error: (message) => new ConfigError("trust-config", message),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      "trust-config",
      `Trust config '${path}' is not valid JSON: ${jsonSyntaxReason(e)}.`,
    );
  }
  if (!isJsonObject(parsed) || !isJsonObject(parsed.trustedRoot)) {
    throw new ConfigError("trust-config", `Trust config '${path}' has no 'trustedRoot' object`);
  }
  const signing = parsed.signingConfig ?? parsed.signing_config;
  if (signing !== undefined && !isJsonObject(signing)) {
    throw new ConfigError(
      "trust-config",
      `Trust config '${path}': 'signingConfig' is not an object`,
    );
  }
  return { path, trustedRoot: parsed.trustedRoot, signingConfig: signing };
}

/** Parses protobuf JSON with the library's parser, naming the source on failure. */
function fromJson<T>(parse: (json: unknown) => T, kind: string, json: unknown, source: string): T {
  try {
    return parse(json);
  } catch (e) {
    throw new ConfigError("trust-config", `Invalid ${kind} in ${source}: ${(e as Error).message}`);
  }
}

/** Converts trusted-root JSON into the library's form. */
export const toTrustedRoot = (json: TrustedRootJson, source: string): TrustedRoot =>
  fromJson(TrustedRoot.fromJSON, "trusted root", json, source);

/** Converts signing-config JSON into the library's form. */
export const toSigningConfig = (json: SigningConfigJson, source: string): SigningConfig =>
  fromJson(SigningConfig.fromJSON, "signing config", json, source);

/**
 * The OIDC issuer of a signing config: the newest URL currently valid, as
 * the libraries choose the other services.
 *
 * @throws {ConfigError} when there is none.
 */
export function oidcIssuerOf(config: SigningConfig, source: string): string {
  const valid = validNow(config.oidcUrls)
    .sort((a, b) => (b.validFor?.start?.getTime() ?? 0) - (a.validFor?.start?.getTime() ?? 0));
  if (valid.length === 0) {
    throw new ConfigError("trust-config", `No OIDC issuer URL in the signing config of ${source}`);
  }
  return valid[0].url;
}

type Service = SigningConfig["caUrls"][number];

/** The services whose validity has not ended. */
function validNow(services: readonly Service[]): Service[] {
  const now = Date.now();
  return services.filter((s) => !s.validFor?.end || s.validFor.end.getTime() >= now);
}

/**
 * The URLs signing may call: every Fulcio, Rekor and timestamp service of the config still
 * valid (the library picks one of each among them).
 */
export function signingServiceUrls(config: SigningConfig): string[] {
  return [config.caUrls, config.rekorTlogUrls, config.tsaUrls].flatMap((list) =>
    validNow(list).map((s) => s.url)
  );
}

/** Whether a permission is already granted; never prompts. */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where the TUF client keeps its metadata: the user's cache directory, when the environment names it. */
function tufCachePath(): string | undefined {
  if (!granted({ name: "env" })) return undefined;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return nodePath.join(xdg, "model-signing", "tuf");
  const home = Deno.env.get("HOME") ?? Deno.env.get("LOCALAPPDATA");
  return home ? nodePath.join(home, ".cache", "model-signing", "tuf") : undefined;
}

/** The trusted root embedded in `@sigstore/tuf`'s seed (base64 JSON of the `trusted_root.json` target). */
function seedTrustedRoot(): TrustedRoot {
  const seed = TUF_SEEDS[PRODUCTION_TUF_URL]?.targets?.["trusted_root.json"];
  const bytes = typeof seed === "string" ? fromBase64(seed) : undefined;
  if (!bytes) throw new SigstoreError("The shipped @sigstore/tuf seed has no trusted_root.json");
  const json = JSON.parse(new TextDecoder().decode(bytes));
  return toTrustedRoot(json, "the trusted root shipped with @sigstore/tuf");
}

/**
 * The production trusted root. With network, environment and cache write
 * permissions it is refreshed through TUF (bounded by
 * {@linkcode TUF_TIMEOUT_MS}); otherwise, or when the refresh fails, the
 * trusted root shipped inside `@sigstore/tuf` is used, with a notice in the
 * latter case. Nothing is attempted that could prompt or hang.
 */
export async function productionTrustedRoot(log: VerificationLog): Promise<TrustedRoot> {
  const cachePath = tufCachePath();
  const mayRefresh = cachePath !== undefined &&
    granted({ name: "net", host: new URL(PRODUCTION_TUF_URL).host }) &&
    granted({ name: "write", path: cachePath });
  if (mayRefresh) {
    try {
      const { getTrustedRoot } = await import("../../deps/sigstore_tuf.ts");
      return await withTimeout(
        getTrustedRoot({
          mirrorURL: PRODUCTION_TUF_URL,
          cachePath,
          timeout: TUF_TIMEOUT_MS,
          retry: 0,
        }),
        TUF_TIMEOUT_MS,
      );
    } catch (e) {
      log(
        "WARNING",
        `Could not refresh the Sigstore trusted root from ${PRODUCTION_TUF_URL} (${
          (e as Error).message
        }); using the trusted root shipped with this tool.`,
      );
    }
  }
  return seedTrustedRoot();
}

/**
 * The staging instance's trusted root, shipped as a file beside this module
 * (see `staging/README.md` for its origin) and loaded only when asked for.
 */
export async function stagingTrustedRoot(): Promise<TrustedRoot> {
  const { default: json } = await import("./staging/trusted_root.json", { with: { type: "json" } });
  return toTrustedRoot(json, "the staging trusted root shipped with this tool");
}

/** What a JWT looks like (a base64url JSON header starts `eyJ`): an identity token. */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/**
 * Wraps a library failure as a one-line {@linkcode SigstoreError}. The
 * library quotes tokens in some messages (`invalid identity token: <token>`),
 * so each of `secrets` and anything shaped like a JWT is cut out; the
 * original error is then not kept as the cause either, since it holds them.
 */
export function sigstoreFailure(
  what: string,
  e: unknown,
  secrets: readonly string[] = [],
): SigstoreError {
  const err = e as { code?: string; message?: string };
  const code = typeof err.code === "string" ? `${err.code}: ` : "";
  const raw = err.message ?? String(e);
  let message = raw.replace(JWT, "[token]");
  for (const secret of secrets) if (secret) message = message.replaceAll(secret, "[token]");
  return new SigstoreError(`${what}: ${code}${message}`, message === raw ? { cause: e } : {});
}
