import { z } from "zod";
import { prisma } from "../db";
import { ConflictError, InternalError, NotFoundError, ValidationError } from "../errors";
import { env } from "../env";
import { createCredential } from "../credentials/create-credential";
import { CredentialNameTakenError, credentialNameSchema, credentialSecretSchema } from "../credentials/types";
import { createPipeline } from "../pipelines/create-pipeline";
import { isUuid } from "../uuid";
import { validateDefinition } from "../actions/registry";
import { getStarterKit } from "./registry";
import { KLIENTIKS_EVENTS, type KlientiksEventId } from "./klientiks-events";
import { checkSecret, checkKitValues } from "./kit-inputs";

const eventIds = KLIENTIKS_EVENTS.map((e) => e.id) as [KlientiksEventId, ...KlientiksEventId[]];

export const fromKitSchema = z
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
    /** The template's own inputs by key (e.g. baseUrl, chatId, parseMode). */
    values: z.record(z.string(), z.string().max(2000)).optional(),
  })
  .refine((v) => !!v.credentialId || (!!v.credentialName && !!v.secret), {
    message: "укажите credentialId или credentialName и secret",
    path: ["credentialId"],
  });

export type FromKitInput = z.infer<typeof fromKitSchema>;

/**
 * Builds the template's definition and creates the pipeline; a new token is saved as a credential
 * first (the definition refers to credentials by name, never by value).
 */
export async function createPipelineFromKit(userId: string, input: FromKitInput) {
  const template = getStarterKit(input.templateId);
  if (!template) throw new ValidationError(`templateId: нет шаблона «${input.templateId}»`);
  if (template.weeek?.status && !input.statusId) throw new ValidationError("statusId: выберите статус воронки Weeek");
  const checked = checkKitValues(template.inputs, input.values ?? {});
  if (!checked.ok) throw new ValidationError(checked.issues.map((i) => i.message.ru).join("; "));

  let credentialName: string;
  let secret = "";
  if (input.credentialId) {
    const row = isUuid(input.credentialId) ? await prisma.credential.findFirst({ where: { id: input.credentialId, userId }, select: { name: true } }) : null;
    if (!row) throw new NotFoundError("Ключ доступа не найден");
    credentialName = row.name;
  } else {
    credentialName = input.credentialName!;
    // Stored tidied (a Bitrix24 address cut to …/rest/<user>/<code>/), since the URL is built from it.
    const s = checkSecret(template.credential, input.secret!);
    if ("error" in s) throw new ValidationError(`secret: ${s.error.ru}`);
    secret = s.value;
  }

  const definition = template.build({
    weeekBaseUrl: env().WEEEK_BASE_URL,
    credentialName,
    statusId: input.statusId,
    values: checked.values,
    klientiksEvent: input.klientiksEvent ?? template.defaultEvent,
  });
  // A template that does not validate is our bug; refuse before saving anything.
  const check = validateDefinition(definition);
  if (!check.ok) throw new InternalError(check.issues.map((i) => i.text.ru).join("; "), { code: "template_invalid" });

  if (!input.credentialId) {
    try {
      await createCredential({ userId, name: credentialName, secret });
    } catch (e) {
      if (e instanceof CredentialNameTakenError) throw new ConflictError(`${e.message}: выберите его из списка или введите другое название`);
      throw e;
    }
  }
  return createPipeline(userId, { name: input.name, definition });
}
