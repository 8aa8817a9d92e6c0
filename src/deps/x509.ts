/**
 * `@peculiar/x509`: X.509 parsing, extensions, signature checks and certificate generation (pinned
 * here; see README.md beside this file). The library resolves its services through `tsyringe`,
 * which needs the `reflect-metadata` polyfill loaded first.
 *
 * @module
 */

import "npm:reflect-metadata@0.2.2";
export * from "npm:@peculiar/x509@2.2.0";
