import { z } from "zod";
import { prisma } from "../db";
import { ApiError, notFound, unprocessable } from "../api/errors";
import { env } from "../env";
import { createCredential } from "../credentials/create-credential";
import { CredentialNameTakenError, credentialNameSchema, credentialSecretSchema } from "../credentials/types";
import { createPipeline } from "../pipelines/create-pipeline";
import { isUuid } from "../pipelines/get-pipeline";
import { validateDefinition } from "../actions/registry";
import { getTemplate } from "./registry";
import { KLIENTIKS_EVENTS, type KlientiksEventId } from "./klientiks-events";

const eventIds = KLIENTIKS_EVENTS.map((e) => e.id) as [KlientiksEventId, ...KlientiksEventId[]];

export const fromTemplateSchema = z
  .object({
    templateId: z.string().min(1),
    name: z.string().trim().min(1, "обязательное поле").max(200, "не длиннее 200 символов"),
    /** An existing credential of the user… */
    credentialId: z.string().optional(),
    /** …or a new one, saved under this name. */
    credentialName: credentialNameSchema.optional(),
    secret: credentialSecretSchema.optional(),
    statusId: z.string().trim().min(1).max(200).optional(),
    klientiksEvent: z.enum(eventIds).optional(),
  })
  .refine((v) => !!v.credentialId || (!!v.credentialName && !!v.secret), {
    message: "укажите credentialId или credentialName и secret",
    path: ["credentialId"],
  });

export type FromTemplateInput = z.infer<typeof fromTemplateSchema>;

/**
 * Builds the template's definition and creates the pipeline; a new token is saved as a credential
 * first (the definition refers to credentials by name, never by value).
 */
export async function createPipelineFromTemplate(userId: string, input: FromTemplateInput) {
  const template = getTemplate(input.templateId);
  if (!template) throw unprocessable(`templateId: нет шаблона «${input.templateId}»`);
  if (template.inputs.includes("weeekStatus") && !input.statusId) throw unprocessable("statusId: выберите статус воронки Weeek");

  let credentialName: string;
  if (input.credentialId) {
    const row = isUuid(input.credentialId)
      ? await prisma.credential.findFirst({ where: { id: input.credentialId, userId }, select: { name: true } })
      : null;
    if (!row) throw notFound("Ключ доступа не найден");
    credentialName = row.name;
  } else {
    credentialName = input.credentialName!;
  }

  const definition = template.build({
    weeekBaseUrl: env().WEEEK_BASE_URL,
    credentialName,
    statusId: input.statusId,
    klientiksEvent: input.klientiksEvent ?? template.defaultEvent,
  });
  // A template that does not validate is our bug; refuse before saving anything.
  const check = validateDefinition(definition);
  if (!check.ok) throw new ApiError(500, "template_invalid", check.issues.map((i) => i.text.ru).join("; "));

  if (!input.credentialId) {
    try {
      await createCredential({ userId, name: credentialName, secret: input.secret! });
    } catch (e) {
      if (e instanceof CredentialNameTakenError) throw new ApiError(409, "conflict", `${e.message}: выберите его из списка или введите другое название`);
      throw e;
    }
  }
  return createPipeline(userId, { name: input.name, definition });
}
