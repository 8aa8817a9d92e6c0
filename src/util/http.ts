/**
 * One bounded HTTP exchange, the network helper every caller shares (the Sigstore identity-token
 * sources, the RFC 3161 TSA client): a time limit over the whole exchange, body included, the
 * body always read, and failures turned into the caller's one-line error. Messages never quote a
 * response body (it may hold a token).
 *
 * @module
 */

/** A response and its whole body. */
export interface Exchanged {
  /** Status and headers. */
  readonly response: Response;
  /** The body, read in full. */
  readonly body: Uint8Array;
}

/**
 * Sends one request and reads the whole response body within `timeoutMs`.
 *
 * @param fetchFn The `fetch` to use (injectable for tests).
 * @param url Where to send it.
 * @param init Method, headers and body.
 * @param what What the request is, for messages, e.g. `OIDC discovery`.
 * @param timeoutMs Bound on the whole exchange.
 * @param fail Builds the caller's error from a one-line message.
 * @throws What `fail` returns, on a network error or a timeout (`<what> timed out after N s`,
 * `<what> failed: <reason>`).
 */
export async function exchange(
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit,
  what: string,
  timeoutMs: number,
  fail: (message: string, cause: unknown) => Error,
): Promise<Exchanged> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchFn(url, { ...init, signal: controller.signal });
    return { response, body: new Uint8Array(await response.arrayBuffer()) };
  } catch (error) {
    if (controller.signal.aborted) {
      throw fail(`${what} timed out after ${timeoutMs / 1000} s`, error);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw fail(`${what} failed: ${reason}`, error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks now for network access to each URL's host: a prompt on a terminal, refused at once
 * elsewhere. A command that will need the network after hashing a large model then fails
 * before it, naming the flag to pass.
 *
 * @param what What needs the access, e.g. `Sigstore signing`.
 * @param fail Builds the caller's error from a one-line message.
 * @throws What `fail` returns, for the first host without access.
 */
export function requireNetAccess(
  urls: readonly string[],
  what: string,
  fail: (message: string) => Error,
): void {
  for (const host of new Set(urls.map((url) => new URL(url).host))) {
    const descriptor = { name: "net", host } as const;
    if (Deno.permissions.querySync(descriptor).state === "granted") continue;
    if (Deno.permissions.requestSync(descriptor).state === "granted") continue;
    throw fail(`${what} needs network access to ${host}: run with --allow-net=${host}`);
  }
}
