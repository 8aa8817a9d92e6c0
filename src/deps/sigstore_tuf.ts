/**
 * `@sigstore/tuf` (pinned here; see README.md beside this file): the TUF
 * client, loaded only when the production trusted root may be refreshed.
 *
 * @module
 */

export { getTrustedRoot } from "npm:@sigstore/tuf@5.0.1";
