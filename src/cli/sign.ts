/**
 * `sign [METHOD] [OPTIONS] MODEL_PATH`: hashes the model and writes its
 * signature (default `model.sig` in the current directory, which is itself
 * left out of the hashing).
 *
 * @module
 */

import { SigningConfig } from "../api/signing_config.ts";
import type { OptionSpecs } from "./args.ts";
import type { CliContext } from "./context.ts";
import { parseMethodCommand } from "./methods.ts";
import {
  hashingConfigFromCli,
  MODEL_SELECTION_OPTIONS,
  RUN_OPTIONS,
  SERIALIZATION_OPTIONS,
} from "./model_options.ts";

const GROUP_HELP = `Usage: model_signing sign [sigstore|key|certificate] [OPTIONS] MODEL_PATH

Sign a model. The method word is optional; without it, Sigstore keyless signing is used.

Methods:
  sigstore     Keyless: OIDC identity, Fulcio certificate, Rekor transparency log (default).
  key          An elliptic-curve private key (P-256, P-384, P-521).
  certificate  A private key with its X.509 certificate chain.

Run 'model_signing sign METHOD --help' for a method's options.
`;

const COMMON: OptionSpecs = {
  signature: {
    type: "string",
    metavar: "PATH",
    help: "Where to write the signature (default: model.sig); it is left out of the hashing",
  },
  ...MODEL_SELECTION_OPTIONS,
  ...SERIALIZATION_OPTIONS,
  ...RUN_OPTIONS,
};

/** Runs `sign`; returns the exit status. */
export async function signCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { method, spec, values, modelPath } = parseMethodCommand(args, {
    verb: "sign",
    groupHelp: GROUP_HELP,
    common: COMMON,
    methodOptions: (m) => m.signOptions,
    descriptionTail:
      "Files are hashed whole with SHA-256 unless --hash-algorithm or --shard-size say otherwise.",
  });
  const signature = (values.signature as string | undefined) ?? "model.sig";
  const hashing = hashingConfigFromCli(values, modelPath, spec.usage, [signature])
    .setWarningHandler((m) => ctx.log.warning(m))
    .setProgressHandler(ctx.progress(values));
  return await ctx.report("Signing failed with error", async () => {
    const config = new SigningConfig().setHashingConfig(hashing);
    method.configureSigner(values, config, spec.usage);
    await config.sign(modelPath, signature);
    ctx.io.out("Signing succeeded");
  });
}
