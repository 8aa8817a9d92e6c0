/**
 * `verify [METHOD] [OPTIONS] MODEL_PATH --signature PATH`: checks the
 * signature, then that the model on disk is exactly what was signed.
 *
 * @module
 */

import { ociManifest } from "../api/oci.ts";
import type { VerificationResult } from "../api/pipeline.ts";
import { VerifyingConfig } from "../api/verifying_config.ts";
import { type OptionSpecs, requireString, UsageError } from "./args.ts";
import { emptyReport, errorMember } from "./json_report.ts";
import type { CliContext } from "./context.ts";
import { parseMethodCommand } from "./methods.ts";
import {
  hashingConfigFromCli,
  MODEL_SELECTION_OPTIONS,
  requireOciFor,
  requireOneInput,
  RUN_OPTIONS,
} from "./model_options.ts";

const GROUP_HELP = `Usage: model_signing verify [sigstore|key|certificate] [OPTIONS] MODEL_PATH

Verify a model's signature. The method word is optional; without it, Sigstore is used.

Methods:
  sigstore     Keyless signatures: checks the identity, its issuer and the transparency log (default).
  key          Signatures made with an elliptic-curve key: checks against its public key.
  certificate  Signatures made with a certificate: checks the chain up to trusted CA certificates.

Run 'model_signing verify METHOD --help' for a method's options.
`;

const COMMON: OptionSpecs = {
  signature: { type: "string", metavar: "PATH", help: "The signature file (required)" },
  ...MODEL_SELECTION_OPTIONS,
  "ignore-unsigned-files": {
    type: "boolean",
    negatable: true,
    help: "Check only the files the signature lists; ignore any other file (default: off)",
  },
  only: {
    type: "string",
    multiple: true,
    metavar: "PATH",
    help: "Check only the signed files at or under this model-relative file or folder",
  },
  "oci-manifest": {
    type: "string",
    metavar: "PATH",
    help: "Check this OCI image manifest's layers against the signature instead of MODEL_PATH",
  },
  "oci-index-manifest": {
    type: "string",
    metavar: "DIGEST",
    help: "When --oci-manifest is an image index: the digest of the manifest to check",
  },
  json: { type: "boolean", help: "Print the result as one JSON object on stdout" },
  ...RUN_OPTIONS,
};

const DESCRIPTION_TAIL = [
  "The model is hashed with the method, algorithm and shard size the signature records (the",
  "Python CLI assumes files + SHA-256); which files count always follows this command line.",
].join("\n");

/** Runs `verify`; returns the exit status. */
export async function verifyCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { method, spec, values, modelPath, name } = parseMethodCommand(args, {
    verb: "verify",
    groupHelp: GROUP_HELP,
    common: COMMON,
    methodOptions: (m) => m.verifyOptions,
    methodDescription: (m) => m.verifyDescription,
    descriptionTail: DESCRIPTION_TAIL,
    modelOptional: true,
  });
  const signature = requireString(values, "signature", spec.usage);
  const oci = values["oci-manifest"] as string | undefined;
  const only = (values.only as string[] | undefined) ?? [];
  requireOneInput(modelPath, oci, spec.usage);
  if (oci !== undefined && only.length > 0) {
    throw new UsageError("--only applies to a model, not to --oci-manifest.", spec.usage);
  }
  requireOciFor(values, oci, spec.usage);
  const json = values.json === true;
  const report = emptyReport("verify", name, signature, modelPath, oci);
  const code = await ctx.report("Verification failed with error", async () => {
    try {
      // Inside the report: resolving the ignore paths reads the file system.
      const hashing = hashingConfigFromCli(values, modelPath ?? ".", spec.usage, [signature])
        .setWarningHandler((m) => ctx.log.warning(m))
        .setProgressHandler(ctx.progress(values));
      const config = new VerifyingConfig()
        .setHashingConfig(hashing)
        .setIgnoreUnsignedFiles(values["ignore-unsigned-files"] === true)
        .setOnly(only)
        .setLogHandler((level, message) =>
          ctx.log.log(level, level === "WARNING" ? `WARNING: ${message}` : message)
        );
      method.configureVerifier?.(values, config, spec.usage); // absent: refused when parsed
      const result: VerificationResult = oci === undefined
        ? await config.verifyDetailed(modelPath!, signature)
        : await config.verifyManifest(
          ociManifest(oci, { indexManifest: values["oci-index-manifest"] as string | undefined }),
          signature,
        );
      report.signer = result.signer ?? null;
      report.rootDigest = result.rootDigest;
      report.files = { signed: result.filesSigned, checked: result.filesChecked };
      report.outcome = "success";
      const line = only.length > 0
        ? `Verification succeeded (${result.filesChecked} of ${result.filesSigned} signed files checked)`
        : "Verification succeeded";
      if (json) ctx.log.info(line);
      else ctx.io.out(line);
    } catch (e) {
      report.error = errorMember(e);
      throw e;
    }
  });
  if (json) ctx.io.out(JSON.stringify(report));
  return code;
}
