/**
 * The Sigstore packages for verification (pinned here; see README.md beside
 * this file), loaded only when the `sigstore` method is used. The
 * `node:crypto` fix is imported first so that it is in place before any
 * Sigstore module runs. Signing (`sigstore_sign.ts`) and the TUF client
 * (`sigstore_tuf.ts`) are separate because their HTTP stack reads the
 * environment when it loads, which offline verification must not need.
 *
 * @module
 */

import "./node_crypto_fix.ts";
import seeds from "npm:@sigstore/tuf@5.0.1/seeds.json" with { type: "json" };

export { bundleFromJSON, bundleToJSON } from "npm:@sigstore/bundle@5.0.1";
export type { Bundle } from "npm:@sigstore/bundle@5.0.1";
export { X509Certificate } from "npm:@sigstore/core@4.0.1";
export { SigningConfig, TrustedRoot } from "npm:@sigstore/protobuf-specs@0.5.2";
export { toSignedEntity, toTrustMaterial, Verifier } from "npm:@sigstore/verify@4.1.3";

/**
 * `@sigstore/tuf`'s seed: the public-good TUF root and its `trusted_root.json`
 * target, imported statically so that `deno compile` embeds it.
 */
export const TUF_SEEDS: Record<string, { targets?: Record<string, string> }> = seeds;
