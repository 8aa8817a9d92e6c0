/**
 * `verify [METHOD] [OPTIONS] MODEL_PATH --signature PATH`: checks the
 * signature, then that the model on disk is exactly what was signed.
 *
 * @module
 */

import { VerifyingConfig } from "../api/verifying_config.ts";
import { type OptionSpecs, requireString } from "./args.ts";
import type { CliContext } from "./context.ts";
import { parseMethodCommand } from "./methods.ts";
import { hashingConfigFromCli, MODEL_SELECTION_OPTIONS, RUN_OPTIONS } from "./model_options.ts";

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
  ...RUN_OPTIONS,
};

const DESCRIPTION_TAIL = [
  "The model is hashed with the method, algorithm and shard size the signature records (the",
  "Python CLI assumes files + SHA-256); which files count always follows this command line.",
].join("\n");

/** Runs `verify`; returns the exit status. */
export async function verifyCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { method, spec, values, modelPath } = parseMethodCommand(args, {
    verb: "verify",
    groupHelp: GROUP_HELP,
    common: COMMON,
    methodOptions: (m) => m.verifyOptions,
    descriptionTail: DESCRIPTION_TAIL,
  });
  const signature = requireString(values, "signature", spec.usage);
  const hashing = hashingConfigFromCli(values, modelPath, spec.usage, [signature])
    .setWarningHandler((m) => ctx.log.warning(m))
    .setProgressHandler(ctx.progress(values));
  return await ctx.report("Verification failed with error", async () => {
    const config = new VerifyingConfig()
      .setHashingConfig(hashing)
      .setIgnoreUnsignedFiles(values["ignore-unsigned-files"] === true)
      .setLogHandler((level, message) =>
        ctx.log.log(level, level === "WARNING" ? `WARNING: ${message}` : message)
      );
    method.configureVerifier(values, config, spec.usage);
    await config.verify(modelPath, signature);
    ctx.io.out("Verification succeeded");
  });
}
