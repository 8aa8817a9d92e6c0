/**
 * The RFC 3161 client used at signing (docs/format.md §4.6): one HTTP POST of a
 * `TimeStampReq` (`application/timestamp-query`) to the TSA, and the checks of
 * `rfc3161.ts` on its answer before the token is kept.
 *
 * @module
 */

import { TimestampError } from "../errors.ts";
import { exchange } from "../util/http.ts";
import { MAX_TIMESTAMP_BYTES, timestampRequest, tokenFromResponse } from "./rfc3161.ts";

/** How long the TSA may take to answer, body included. */
export const TSA_TIMEOUT_MS = 30_000;

/** Media types a TSA may answer with (RFC 3161 §3.4; some servers send the second). */
const REPLY_TYPES = ["application/timestamp-reply", "application/timestamp-response"];

/**
 * Asks the TSA at `url` for a timestamp over `signature` and checks the answer.
 *
 * @param url The TSA's HTTP(S) endpoint.
 * @param signature The raw DSSE signature bytes.
 * @param fetchFn The `fetch` to use.
 * @returns The DER `TimeStampToken`.
 * @throws {TimestampError} One line naming the TSA (scheme, host and path only: a URL's user
 * information and query may hold credentials) and the reason.
 */
export async function requestTimestamp(
  url: string,
  signature: Uint8Array,
  fetchFn: typeof fetch = fetch,
): Promise<Uint8Array> {
  const parsed = new URL(url);
  const what = `Timestamp request to ${parsed.origin}${parsed.pathname}`;
  const request = timestampRequest(signature);
  const { response, body } = await exchange(
    fetchFn,
    parsed,
    {
      method: "POST",
      headers: { "content-type": "application/timestamp-query", accept: REPLY_TYPES[0] },
      body: request.der,
    },
    what,
    TSA_TIMEOUT_MS,
    (message, cause) => new TimestampError(message, { cause }),
  );
  if (!response.ok) throw new TimestampError(`${what} failed: HTTP ${response.status}`);
  const type = response.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
  if (!type || !REPLY_TYPES.includes(type)) {
    throw new TimestampError(`${what} failed: the answer is not application/timestamp-reply`);
  }
  if (body.length > MAX_TIMESTAMP_BYTES) {
    throw new TimestampError(
      `${what} failed: the answer is larger than ${MAX_TIMESTAMP_BYTES} bytes`,
    );
  }
  try {
    return tokenFromResponse(body, request);
  } catch (cause) {
    throw new TimestampError(`${what} failed: ${(cause as Error).message}`, { cause });
  }
}
