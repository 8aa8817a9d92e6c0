/**
 * `@sigstore/sign` (pinned here; see README.md beside this file): Fulcio,
 * Rekor and timestamp-authority clients, loaded only to sign with Sigstore.
 *
 * @module
 */

import "./node_crypto_fix.ts";

export { bundleBuilderFromSigningConfig } from "npm:@sigstore/sign@5.1.0";
