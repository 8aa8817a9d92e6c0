/**
 * `sign [METHOD] [OPTIONS] MODEL_PATH`: hashes the model and writes its
 * signature (default `model.sig` in the current directory, which is itself
 * left out of the hashing).
 *
 * @module
 */

import { ociManifest } from "../api/oci.ts";
import { SigningConfig, type SigningResult } from "../api/signing_config.ts";
import { manifestTable } from "../manifest/manifest.ts";
import { type OptionSpecs, UsageError } from "./args.ts";
import { emptyReport, errorMember } from "./json_report.ts";
import type { CliContext } from "./context.ts";
import { parseMethodCommand } from "./methods.ts";
import {
  hashingConfigFromCli,
  MODEL_SELECTION_OPTIONS,
  requireOciFor,
  requireOneInput,
  RUN_OPTIONS,
  SERIALIZATION_OPTIONS,
} from "./model_options.ts";

const GROUP_HELP =
  `Usage: model_signing sign [sigstore|key|certificate|pkcs11-key|pkcs11-certificate] [OPTIONS] MODEL_PATH

Sign a model. The method word is optional; without it, Sigstore keyless signing is used.

Methods:
  sigstore     Keyless: OIDC identity, Fulcio certificate, Rekor transparency log (default).
  key          An elliptic-curve private key (P-256, P-384, P-521).
  certificate  A private key with its X.509 certificate chain.
  pkcs11-key   An elliptic-curve key on a PKCS #11 token (HSM, smart card); needs --allow-ffi.
  pkcs11-certificate
               A PKCS #11 token key with its X.509 certificate chain; needs --allow-ffi.

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
  "reuse-signature": {
    type: "string",
    metavar: "PATH",
    help: "Re-sign incrementally: verify this old signature, keep its digests of unchanged files",
  },
  rehash: {
    type: "string",
    multiple: true,
    metavar: "PATH",
    help: "With --reuse-signature: hash this model-relative file or folder again",
  },
  "oci-manifest": {
    type: "string",
    metavar: "PATH",
    help: "Sign this OCI image manifest's layers (by title and digest) instead of MODEL_PATH",
  },
  "oci-index-manifest": {
    type: "string",
    metavar: "DIGEST",
    help: "When --oci-manifest is an image index: the digest of the manifest to sign",
  },
  json: { type: "boolean", help: "Print the result as one JSON object on stdout" },
  ...RUN_OPTIONS,
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Runs `sign`; returns the exit status. */
export async function signCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { method, spec, values, modelPath, name } = parseMethodCommand(args, {
    verb: "sign",
    modelOptional: true,
    groupHelp: GROUP_HELP,
    common: COMMON,
    methodOptions: (m) => m.signOptions,
    methodDescription: (m) => m.signDescription,
    descriptionTail:
      "Files are hashed whole with SHA-256 unless --hash-algorithm or --shard-size say otherwise.",
  });
  const signature = (values.signature as string | undefined) ?? "model.sig";
  const oci = values["oci-manifest"] as string | undefined;
  const reuse = values["reuse-signature"] as string | undefined;
  requireOneInput(modelPath, oci, spec.usage);
  if (oci !== undefined && reuse !== undefined) {
    throw new UsageError(
      "--reuse-signature applies to a model, not to --oci-manifest.",
      spec.usage,
    );
  }
  if (values.rehash !== undefined && reuse === undefined) {
    throw new UsageError("--rehash applies only with --reuse-signature.", spec.usage);
  }
  requireOciFor(values, oci, spec.usage);
  const json = values.json === true;
  const say = (line: string) => json ? ctx.log.info(line) : ctx.io.out(line);
  const report = emptyReport("sign", name, signature, modelPath, oci);
  const code = await ctx.report("Signing failed with error", async () => {
    try {
      // Inside the report: resolving the ignore paths reads the file system.
      const hashing = hashingConfigFromCli(values, modelPath ?? ".", spec.usage, [
        signature,
        ...(reuse === undefined ? [] : [reuse]),
      ])
        .setWarningHandler((m) => ctx.log.warning(m))
        .setProgressHandler(ctx.progress(values));
      const config = new SigningConfig().setHashingConfig(hashing);
      method.configureSigner(values, config, spec.usage);
      let result: SigningResult;
      if (oci !== undefined) {
        const manifest = ociManifest(oci, {
          indexManifest: values["oci-index-manifest"] as string | undefined,
        });
        result = await config.signManifest(manifest, signature);
      } else {
        if (reuse !== undefined) {
          config.reuseSignature({
            signature: reuse,
            rehash: (values.rehash as string[] | undefined) ?? [],
            verifier: method.reuseVerifier?.(values, spec.usage),
            // The old signature's method wins unless this command names one.
            adoptSerialization: values["hash-algorithm"] === undefined &&
              values["shard-size"] === undefined,
          });
        }
        result = await config.signDetailed(modelPath!, signature);
      }
      report.signer = result.signer ?? null;
      report.rootDigest = result.manifest.rootDigestString();
      report.files.signed = manifestTable(result.manifest).distinctPaths();
      if (result.reuse) {
        const r = result.reuse;
        Object.assign(report.files, {
          reused: r.filesReused,
          hashed: r.filesHashed,
          bytesReused: r.bytesReused,
          bytesHashed: r.bytesHashed,
        });
        say(
          `Reused ${plural(r.filesReused, "file")} (${plural(r.bytesReused, "byte")}), hashed ${
            plural(r.filesHashed, "file")
          } (${plural(r.bytesHashed, "byte")})`,
        );
      }
      report.outcome = "success";
      say("Signing succeeded");
    } catch (e) {
      report.error = errorMember(e);
      throw e;
    }
  });
  if (json) ctx.io.out(JSON.stringify(report));
  return code;
}
