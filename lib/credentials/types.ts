import { z } from "zod";

/** What the UI and API may see of a credential — never the secret. */
export type CredentialSummary = { id: string; name: string; hint: string; createdAt: Date; updatedAt: Date };

export const credentialNameSchema = z
  .string()
  .trim()
  .min(1, "введите название")
  .max(100, "не длиннее 100 символов")
  .refine((n) => !/["\\{}]/.test(n), 'название не может содержать " \\ { }');

export const credentialSecretSchema = z.string().min(1, "введите значение").max(10_000, "не длиннее 10 000 символов");

export class CredentialNameTakenError extends Error {
  constructor(name: string) {
    super(`Ключ доступа с названием «${name}» уже есть`);
    this.name = "CredentialNameTakenError";
  }
}

export const summarySelect = { id: true, name: true, hint: true, createdAt: true, updatedAt: true } as const;
