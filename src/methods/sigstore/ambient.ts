/**
 * Ambient OIDC identity tokens (§7.1 "Sigstore signing details"): the
 * workload identity of the CI system or cloud the signer runs in. One table
 * of sources, tried in a fixed order; a source is tried only when its
 * environment says it applies, and a source that applies but fails ends the
 * search with one line naming it (a token from somewhere else would be a
 * surprise identity). Every token is checked to be a JWT whose audience is
 * the expected one; no message ever quotes a token.
 *
 * Order (documented in the README):
 * 1. `SIGSTORE_ID_TOKEN` (set by hand, or by GitLab CI's `id_tokens:`);
 * 2. `SIGSTORE_ID_TOKEN_FILE` (a Kubernetes projected service-account token);
 * 3. GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`);
 * 4. Buildkite (`BUILDKITE`): `buildkite-agent oidc request-token`;
 * 5. CircleCI (`CIRCLECI`): `circleci run oidc get`;
 * 6. Google Cloud impersonation (`GOOGLE_SERVICE_ACCOUNT_NAME`): IAM Credentials `generateIdToken`;
 * 7. Google Cloud metadata server (`GCE_METADATA_HOST` set, or the machine's DMI product name
 *    says Google): its identity endpoint.
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { readInputText } from "../../util/input_file.ts";
import { isJsonObject } from "../../util/json.ts";
import { REQUEST_TIMEOUT_MS, requestJson, requestText } from "./http_json.ts";
import { jwtClaims } from "./jwt.ts";

/** What a source may use; everything injectable for tests. */
export interface AmbientContext {
  /** The audience every token must carry (default client id `sigstore`). */
  readonly audience: string;
  /** Reads an environment variable. */
  readonly env: (name: string) => string | undefined;
  /** The `fetch` for HTTP sources. */
  readonly fetch: typeof fetch;
  /** Bound on each request or command (default 30 s). */
  readonly timeoutMs?: number;
}

/** One place a token can come from. */
interface AmbientSource {
  /** For messages, e.g. `Buildkite`. */
  readonly name: string;
  /** Whether the environment says this source applies; never touches the network. */
  applies(ctx: AmbientContext): boolean;
  /** The raw token; throws a one-line reason. */
  token(ctx: AmbientContext): Promise<string>;
}

/** Largest token file read (projected tokens are a few KiB). */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** Google's metadata server, unless `GCE_METADATA_HOST` names another (as Google's libraries allow). */
const DEFAULT_METADATA_HOST = "metadata.google.internal";
/** IAM Credentials API; `MODEL_SIGNING_IAM_CREDENTIALS_URL` replaces it (tests, private endpoints). */
const DEFAULT_IAM_CREDENTIALS_URL = "https://iamcredentials.googleapis.com";
/** Where Linux says which machine this is; Compute Engine VMs report "Google …". */
const DMI_PRODUCT_NAME = "/sys/class/dmi/id/product_name";

const timeoutOf = (ctx: AmbientContext) => ctx.timeoutMs ?? REQUEST_TIMEOUT_MS;
const isSet = (ctx: AmbientContext, name: string) => Boolean(ctx.env(name));

/** A one-line failure of a source, never quoting a token. */
class SourceFailure extends Error {}
const fail = (reason: string): never => {
  throw new SourceFailure(reason);
};

/** Reads a token file: a regular file (symlinks followed, as projected volumes use them), bounded. */
function readTokenFile(path: string): string {
  return readInputText(path, {
    what: "token file",
    maxBytes: MAX_TOKEN_FILE_BYTES,
    error: (message) => new SourceFailure(message),
  }).trim();
}

/** Runs a CI agent's token command and returns its standard output. */
async function runTool(cmd: string, args: string[], ctx: AmbientContext): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "null" }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return fail(`${cmd} is not on PATH`);
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return fail(`running ${cmd} needs --allow-run=${cmd}`);
    }
    return fail(`cannot run ${cmd}: ${(e as Error).message}`);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutOf(ctx));
  const out = await child.output().finally(() => clearTimeout(timer));
  if (timedOut) fail(`${cmd} did not answer within ${timeoutOf(ctx) / 1000} s`);
  if (!out.success) fail(`${cmd} exited with status ${out.code}`);
  return new TextDecoder().decode(out.stdout).trim();
}

/** The metadata server's base URL. */
function metadataUrl(ctx: AmbientContext, path: string): URL {
  const host = ctx.env("GCE_METADATA_HOST") || DEFAULT_METADATA_HOST;
  if (!URL.canParse(`http://${host}`)) fail(`GCE_METADATA_HOST '${host}' is not a host`);
  return new URL(`/computeMetadata/v1/instance/service-accounts/default/${path}`, `http://${host}`);
}

const METADATA_HEADERS = { "metadata-flavor": "Google" };

/** Whether this is a Compute Engine machine, from DMI, without prompting for permission. */
function onGoogleMachine(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "read", path: DMI_PRODUCT_NAME }).state !== "granted") {
      return false;
    }
    return Deno.readTextFileSync(DMI_PRODUCT_NAME).trim().startsWith("Google");
  } catch {
    return false;
  }
}

/** `GET <request URL>&audience=<audience>` with the request token as bearer; the answer is `{"value": <JWT>}`. */
async function githubActionsToken(ctx: AmbientContext): Promise<string> {
  const requestUrl = ctx.env("ACTIONS_ID_TOKEN_REQUEST_URL");
  const requestToken = ctx.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (!requestUrl || !requestToken) {
    return fail(
      "no ID token offered (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN unset): " +
        "give the job `permissions: id-token: write`",
    );
  }
  if (!URL.canParse(requestUrl)) fail("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL");
  const url = new URL(requestUrl);
  url.searchParams.set("audience", ctx.audience);
  const body = await requestJson(
    ctx.fetch,
    url,
    {
      headers: { authorization: `bearer ${requestToken}`, accept: "application/json" },
    },
    "the ID-token request",
    timeoutOf(ctx),
  );
  const value = isJsonObject(body) ? body.value : undefined;
  return typeof value === "string" && value ? value : fail("the response carried no value");
}

/** An access token of the machine's service account, then `generateIdToken` for the named one. */
async function impersonatedToken(ctx: AmbientContext): Promise<string> {
  const access = await requestJson(
    ctx.fetch,
    metadataUrl(ctx, "token"),
    { headers: METADATA_HEADERS },
    "the metadata server's access-token request",
    timeoutOf(ctx),
  );
  const accessToken = isJsonObject(access) ? access.access_token : undefined;
  if (typeof accessToken !== "string" || !accessToken) {
    fail("the metadata server's access-token response carried no access_token");
  }
  const base = ctx.env("MODEL_SIGNING_IAM_CREDENTIALS_URL") || DEFAULT_IAM_CREDENTIALS_URL;
  const account = encodeURIComponent(ctx.env("GOOGLE_SERVICE_ACCOUNT_NAME")!);
  if (!URL.canParse(base)) fail("MODEL_SIGNING_IAM_CREDENTIALS_URL is not a URL");
  const url = new URL(
    `v1/projects/-/serviceAccounts/${account}:generateIdToken`,
    `${base.replace(/\/*$/, "")}/`,
  );
  const body = await requestJson(
    ctx.fetch,
    url,
    {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ audience: ctx.audience, includeEmail: true }),
    },
    "the IAM Credentials generateIdToken call",
    timeoutOf(ctx),
  );
  const token = isJsonObject(body) ? body.token : undefined;
  return typeof token === "string" && token ? token : fail("generateIdToken returned no token");
}

/** The sources, in the documented order. */
const SOURCES: readonly AmbientSource[] = [
  {
    name: "SIGSTORE_ID_TOKEN",
    applies: (ctx) => isSet(ctx, "SIGSTORE_ID_TOKEN"),
    token: (ctx) => Promise.resolve(ctx.env("SIGSTORE_ID_TOKEN")!.trim()),
  },
  {
    name: "SIGSTORE_ID_TOKEN_FILE",
    applies: (ctx) => isSet(ctx, "SIGSTORE_ID_TOKEN_FILE"),
    token: (ctx) => Promise.resolve(readTokenFile(ctx.env("SIGSTORE_ID_TOKEN_FILE")!)),
  },
  {
    name: "GitHub Actions",
    applies: (ctx) =>
      (isSet(ctx, "ACTIONS_ID_TOKEN_REQUEST_URL") &&
        isSet(ctx, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")) ||
      ctx.env("GITHUB_ACTIONS") === "true",
    token: githubActionsToken,
  },
  {
    name: "Buildkite",
    applies: (ctx) => isSet(ctx, "BUILDKITE"),
    token: (ctx) =>
      runTool("buildkite-agent", ["oidc", "request-token", "--audience", ctx.audience], ctx),
  },
  {
    name: "CircleCI",
    applies: (ctx) => isSet(ctx, "CIRCLECI"),
    token: (ctx) =>
      runTool(
        "circleci",
        ["run", "oidc", "get", "--claims", JSON.stringify({ aud: ctx.audience })],
        ctx,
      ),
  },
  {
    name: "Google Cloud service-account impersonation",
    applies: (ctx) => isSet(ctx, "GOOGLE_SERVICE_ACCOUNT_NAME"),
    token: impersonatedToken,
  },
  {
    name: "Google Cloud metadata server",
    applies: (ctx) => isSet(ctx, "GCE_METADATA_HOST") || onGoogleMachine(),
    token: (ctx) => {
      const url = metadataUrl(ctx, "identity");
      url.search = new URLSearchParams({ audience: ctx.audience, format: "full" }).toString();
      return requestText(
        ctx.fetch,
        url,
        { headers: METADATA_HEADERS },
        "the identity request",
        timeoutOf(ctx),
      )
        .then((text) => text.trim());
    },
  },
];

/** Refuses a token that is not a JWT for `audience`. */
function checkToken(token: string, audience: string): string {
  const claims = jwtClaims(token);
  if (!claims) return fail("the token is not a JWT");
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(audience)) {
    const shown = audiences.every((a) => typeof a === "string")
      ? `'${audiences.join("', '")}'`
      : "missing";
    fail(`the token's audience is ${shown}, not '${audience}'`);
  }
  return token;
}

/**
 * The token of the first source whose environment applies, or `undefined`
 * when none applies.
 *
 * @throws {SigstoreError} `Ambient credentials from <source>: <reason>` when
 * the applying source fails or its token is not a JWT for the audience.
 */
export async function ambientToken(ctx: AmbientContext): Promise<string | undefined> {
  const source = SOURCES.find((s) => s.applies(ctx));
  if (!source) return undefined;
  try {
    return checkToken(await source.token(ctx), ctx.audience);
  } catch (e) {
    if (!(e instanceof SourceFailure || e instanceof SigstoreError)) throw e;
    throw new SigstoreError(`Ambient credentials from ${source.name}: ${e.message}`, { cause: e });
  }
}
