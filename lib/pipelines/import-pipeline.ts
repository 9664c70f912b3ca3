// Import of a file written by exportPipeline. Credentials are matched by name: a step that says
// {{credentials["Weeek токен"]}} uses the importing user's credential of that name, so nothing
// needs rewriting; names the user does not have are reported so they can be created.
import { prisma } from "../db";
import { ValidationError } from "../errors";
import { validateDefinition } from "../actions/registry";
import { createPipeline } from "./create-pipeline";
import { definitionSchema, newSourceId } from "../definition/schema";
import { withFreshSourceIds } from "./sync-sources";
import { credentialNamesIn, type PipelineFile } from "./export-pipeline";

export async function importPipeline(userId: string, file: PipelineFile) {
  const shape = definitionSchema.safeParse({
    ...file.definition,
    sourceFields: file.sourceFields ?? file.definition.sourceFields ?? [],
  });
  if (!shape.success) {
    const v = validateDefinition(file.definition);
    const text = v.ok ? shape.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : v.issues.map((i) => i.text.ru).join("; ");
    throw new ValidationError(`Файл обработки повреждён: ${text}`);
  }
  // Source ids are global: the file's may belong to the exporting обработка.
  const definition = withFreshSourceIds(shape.data, newSourceId);
  const names = credentialNamesIn(definition);
  const have = names.length
    ? new Set((await prisma.credential.findMany({ where: { userId, name: { in: names } }, select: { name: true } })).map((c) => c.name))
    : new Set<string>();
  const pipeline = await createPipeline(userId, { name: file.name, definition });
  return { pipeline, missingCredentials: names.filter((n) => !have.has(n)) };
}
