/**
 * JSON (or text) over HTTP for the identity-token sources (OIDC discovery,
 * the OAuth token endpoint, the ambient CI and cloud token endpoints): a bounded wait, the
 * body always consumed, and failures as one-line {@linkcode SigstoreError}s
 * that never quote a response body (it may hold a token).
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { exchange } from "../../util/http.ts";
import { isJsonObject } from "../../util/json.ts";

/** How long one request (OIDC, Fulcio, Rekor, TSA) may take, as in sigstore-python: 30 s. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Sends a request and returns its parsed JSON body.
 *
 * @param fetchFn The `fetch` to use (injectable for tests).
 * @param url Where to send it.
 * @param init Method, headers and body.
 * @param what What the request is, for messages, e.g. `OIDC discovery`.
 * @param timeoutMs Bound on the whole exchange, body included.
 * @throws {SigstoreError} on a network error, a timeout, a non-2xx status
 * (naming an OAuth `error` code when the body has one) or a body that is not JSON.
 */
export async function requestJson(
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit,
  what: string,
  timeoutMs: number = REQUEST_TIMEOUT_MS,
): Promise<unknown> {
  const { response, text } = await exchangeText(fetchFn, url, init, what, timeoutMs);
  const body = parseJson(text);
  if (!response.ok) {
    const code = isJsonObject(body) && typeof body.error === "string" ? ` (${body.error})` : "";
    throw new SigstoreError(`${what} failed: HTTP ${response.status}${code}`);
  }
  if (body === undefined) throw new SigstoreError(`${what} failed: the response is not JSON`);
  return body;
}

/**
 * Sends a request and returns its body as text (e.g. a bare JWT, as the
 * Google metadata server answers), with the bounds and messages of
 * {@linkcode requestJson}.
 *
 * @throws {SigstoreError} on a network error, a timeout or a non-2xx status.
 */
export async function requestText(
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit,
  what: string,
  timeoutMs: number = REQUEST_TIMEOUT_MS,
): Promise<string> {
  const { response, text } = await exchangeText(fetchFn, url, init, what, timeoutMs);
  if (!response.ok) throw new SigstoreError(`${what} failed: HTTP ${response.status}`);
  return text;
}

/** One bounded request, body read in full and decoded. */
async function exchangeText(
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit,
  what: string,
  timeoutMs: number,
): Promise<{ response: Response; text: string }> {
  const { response, body } = await exchange(
    fetchFn,
    url,
    init,
    what,
    timeoutMs,
    (message, cause) => new SigstoreError(message, { cause }),
  );
  return { response, text: new TextDecoder().decode(body) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
