// The pipeline templates offered by «Создать из шаблона». Pure (no env, no Prisma): the wizard
// imports it in the browser for titles and inputs; the server builds the definition.
import type { PipelineDefinition } from "../pipelines/definition";
import { DEFAULT_KLIENTIKS_EVENT } from "./klientiks-events";
import { buildWeeekContactDealDefinition, buildWeeekContactDefinition, type WeeekTemplateInput } from "./klientiks-weeek";

export type Localized = { ru: string; en: string };

/** What the wizard must ask for. */
export type TemplateInputKind = "weeekCredential" | "weeekStatus" | "klientiksEvent";

export type PipelineTemplate = {
  id: string;
  title: Localized;
  description: Localized;
  inputs: readonly TemplateInputKind[];
  /** Suggested name of a new credential for the token. */
  credentialName: string;
  defaultEvent: WeeekTemplateInput["klientiksEvent"];
  build(input: WeeekTemplateInput): PipelineDefinition;
};

export const PIPELINE_TEMPLATES: readonly PipelineTemplate[] = [
  {
    id: "klientiks-weeek-deal",
    title: { ru: "Клиентикс → Weeek: контакт и сделка", en: "Klientiks → Weeek: contact and deal" },
    description: {
      ru: "Создаёт контакт в Weeek, сделку в выбранном статусе воронки и привязывает контакт к сделке (8 шагов).",
      en: "Creates a Weeek contact, a deal in the chosen funnel status, and links the contact to the deal (8 steps).",
    },
    inputs: ["klientiksEvent", "weeekCredential", "weeekStatus"],
    credentialName: "Weeek токен",
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: buildWeeekContactDealDefinition,
  },
  {
    id: "klientiks-weeek-contact",
    title: { ru: "Клиентикс → Weeek: только контакт", en: "Klientiks → Weeek: contact only" },
    description: {
      ru: "Создаёт контакт в Weeek для каждого события Клиентикс (3 шага).",
      en: "Creates a Weeek contact for every Klientiks event (3 steps).",
    },
    inputs: ["klientiksEvent", "weeekCredential"],
    credentialName: "Weeek токен",
    defaultEvent: "client_created",
    build: buildWeeekContactDefinition,
  },
];

export function getTemplate(id: string): PipelineTemplate | undefined {
  return PIPELINE_TEMPLATES.find((t) => t.id === id);
}
