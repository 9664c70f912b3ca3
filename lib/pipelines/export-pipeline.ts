// A pipeline as a portable JSON file. Credentials travel as the names the definition's tokens
// already use ({{credentials["Weeek токен"]}}), never as values; the webhook token stays behind
// (an imported pipeline gets its own URL).
import { z } from "zod";
import { collectTokens } from "../definition/placeholders";
import { isSensitiveHeader } from "../security/mask";
import { getPipeline } from "./get-pipeline";
import { sourceFieldSchema, type PipelineDefinition } from "../definition/schema";

export const PIPELINE_FILE_FORMAT = "hookflow.pipeline";

export const pipelineFileSchema = z.object({
  format: z.literal(PIPELINE_FILE_FORMAT, { error: `format: ожидается "${PIPELINE_FILE_FORMAT}"` }),
  version: z.literal(1, { error: "version: поддерживается только версия 1" }),
  name: z.string().trim().min(1, "обязательное поле").max(200),
  /** Steps and canvas positions; sourceFields may be here too (files written by hand). */
  definition: z.record(z.string(), z.unknown()),
  sourceFields: z.array(sourceFieldSchema).max(2000).optional(),
  /** Informational: the credential names the steps refer to. */
  credentials: z.array(z.string()).optional(),
});
export type PipelineFile = z.infer<typeof pipelineFileSchema>;

export type RemovedSecret = { stepId: string; header: string };

/** Credential names referenced anywhere in the steps' configs, in first-use order. */
export function credentialNamesIn(definition: Pick<PipelineDefinition, "steps">): string[] {
  const names = new Set<string>();
  for (const t of collectTokens(definition.steps)) if (t.kind === "credential") names.add(t.name);
  return [...names];
}

/**
 * A token pasted straight into an Authorization-like header (instead of a credential) would leave
 * with the file, so such literal values are blanked and listed for the user to re-enter.
 */
function stripLiteralSecrets(steps: PipelineDefinition["steps"]): { steps: PipelineDefinition["steps"]; removed: RemovedSecret[] } {
  const removed: RemovedSecret[] = [];
  const out = steps.map((step) => {
    const headers = step.config.headers;
    if (!Array.isArray(headers)) return step;
    const cleaned = headers.map((h: unknown) => {
      const kv = h as { key?: unknown; value?: unknown };
      if (typeof kv?.key !== "string" || typeof kv.value !== "string" || !isSensitiveHeader(kv.key)) return h;
      const literal = kv.value
        .replace(/\{\{[\s\S]*?\}\}/g, "")
        .replace(/^\s*(Bearer|Basic|Token|Bot|OAuth)\s*/i, "")
        .trim();
      if (literal === "") return h;
      removed.push({ stepId: step.id, header: kv.key });
      return { ...kv, value: "" };
    });
    return { ...step, config: { ...step.config, headers: cleaned } };
  });
  return { steps: out, removed };
}

export function pipelineToFile(p: { name: string; definition: PipelineDefinition }): { file: PipelineFile; removedSecrets: RemovedSecret[] } {
  const { sourceFields, ...rest } = p.definition;
  const { steps, removed } = stripLiteralSecrets(rest.steps);
  return {
    file: {
      format: PIPELINE_FILE_FORMAT,
      version: 1,
      name: p.name,
      definition: { ...rest, steps },
      sourceFields,
      credentials: credentialNamesIn({ steps }),
    },
    removedSecrets: removed,
  };
}

/** null when the pipeline is not the user's. */
export async function exportPipeline(userId: string, id: string) {
  const p = await getPipeline(userId, id);
  return p ? pipelineToFile(p) : null;
}
