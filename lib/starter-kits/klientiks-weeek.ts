// Klientiks → Weeek pipelines as the reference guide builds them by hand, adapted to each Klientiks
// event's fields. Where the guide and the real Weeek API differ, the API wins: a deal's name is
// `title` (the guide says `name`), `amount` leaves as a JSON number, and the status goes in the
// URL (/crm/statuses/{id}/deals), so the body carries no `status_id`.
import type { PipelineDefinition, StepDefinition } from "../definition/schema";
import { klientiksPipeline, type KlientiksEventId } from "./klientiks-events";
import { bearer, postComposedJson } from "./http-step";
import { EVENT_MAPPING } from "./klientiks-mapping";

export type WeeekKitInput = {
  /** e.g. "https://api.weeek.net" (env WEEEK_BASE_URL). */
  weeekBaseUrl: string;
  /** Name of the credential that holds the Weeek API token. */
  credentialName: string;
  /** Funnel status new deals go to; only the contact-and-deal template needs it. */
  statusId?: string;
  klientiksEvent: KlientiksEventId;
};

type ContactMapping = { firstName: string; lastName?: string; middleName?: string; phone?: string; email?: string };
type DealMapping = { title: string; amount?: string; description?: string };

// Only fields the event actually sends are used: a token for a field Klientiks never sends would
// make every run fail. Klientiks sends a missing value as "" and Weeek refuses "" as an e-mail or a
// phone (422 «The emails.0 field must be a string.»), so optional values carry `| omitEmpty` and
// are decided per event (docs/templates-and-actions.md «Пустые значения»).
const CONTACT: Record<KlientiksEventId, ContactMapping> = {
  client_created: {
    firstName: EVENT_MAPPING.client_created.firstName,
    lastName: EVENT_MAPPING.client_created.lastName,
    middleName: EVENT_MAPPING.client_created.middleName,
    phone: EVENT_MAPPING.client_created.phone,
    email: EVENT_MAPPING.client_created.email,
  },
  appointment_created: { firstName: EVENT_MAPPING.appointment_created.firstName, phone: EVENT_MAPPING.appointment_created.phone },
  invoice_created: { firstName: EVENT_MAPPING.invoice_created.firstName, phone: EVENT_MAPPING.invoice_created.phone },
  // This event carries only the client's id; a recognisable name beats a rejected contact.
  visit_paid: { firstName: "Клиент Клиентикс №{{source.client_id}}" },
};

const DEAL: Record<KlientiksEventId, DealMapping> = {
  client_created: { title: "Новый клиент: {{source.client_name}}" },
  appointment_created: {
    title: "Запись {{source.appointment_date}} {{source.appointment_time}}: {{source.client_name}}",
    amount: "{{source.appointment_total_cost | omitEmpty}}",
    description: "{{source.services | omitEmpty}}",
  },
  invoice_created: {
    title: "Счёт «{{source.appointment_name}}»: {{source.client_name}}",
    amount: "{{source.appointment_amount | omitEmpty}}",
    description: "{{source.appointment_description | omitEmpty}}",
  },
  visit_paid: { title: "Визит оплачен: клиент №{{source.client_id}}, запись №{{source.appointment_id}}" },
};

function contactTemplate(m: ContactMapping): string {
  const lines = [`  "firstName": ${JSON.stringify(m.firstName)}`];
  if (m.lastName) lines.push(`  "lastName": ${JSON.stringify(m.lastName)}`);
  if (m.middleName) lines.push(`  "middleName": ${JSON.stringify(m.middleName)}`);
  if (m.email) lines.push(`  "emails": [${JSON.stringify(m.email)}]`);
  if (m.phone) lines.push(`  "phones": [${JSON.stringify(m.phone)}]`);
  return `{\n${lines.join(",\n")}\n}`;
}

const at = (i: number) => ({ x: 320 * (i + 1), y: 0 });

const post = (url: string, bodyFrom: string, credentialName: string) => postComposedJson(url, bodyFrom, [bearer(credentialName)]);

function contactSteps(input: WeeekKitInput): StepDefinition[] {
  const base = input.weeekBaseUrl.replace(/\/+$/, "");
  return [
    {
      id: "compose_contact",
      type: "json-composer",
      name: "Данные контакта",
      position: at(0),
      // Empty optional values are left out by `| omitEmpty`; "empty": a parameter missing from the
      // request altogether (a hand-made test call) is treated like an empty one.
      config: { mode: "template", template: contactTemplate(CONTACT[input.klientiksEvent]), fields: [], onMissing: "empty" },
    },
    {
      id: "create_contact",
      type: "http-request",
      name: "Создать контакт",
      position: at(1),
      config: post(`${base}/public/v1/crm/contacts`, "compose_contact", input.credentialName),
    },
    {
      id: "parse_contact",
      type: "json-parser",
      name: "ID контакта",
      position: at(2),
      config: { input: "{{steps.create_contact.body}}", outputs: [{ name: "id контакта", path: '["contact"]["id"]', key: "contact_id" }], onMissing: "fail" },
    },
  ];
}

/** «Клиентикс → Weeek: только контакт» — the guide's steps 1–3. */
export function buildWeeekContactDefinition(input: WeeekKitInput): PipelineDefinition {
  return klientiksPipeline(input.klientiksEvent, contactSteps(input));
}

/** The deal's fields for a Klientiks event: title, plus amount and description when it has them. */
function dealFieldsOf(deal: (typeof DEAL)[keyof typeof DEAL]) {
  return [
    { key: "title", value: deal.title, type: "string" },
    ...(deal.amount ? [{ key: "amount", value: deal.amount, type: "number" }] : []),
    ...(deal.description ? [{ key: "description", value: deal.description, type: "string" }] : []),
  ];
}

/** «Клиентикс → Weeek: контакт и сделка» — the guide's eight steps: contact, deal, link. */
export function buildWeeekContactDealDefinition(input: WeeekKitInput): PipelineDefinition {
  if (!input.statusId) throw new Error("statusId is required for the contact-and-deal template");
  const base = input.weeekBaseUrl.replace(/\/+$/, "");
  const deal = DEAL[input.klientiksEvent];
  const dealFields = dealFieldsOf(deal);
  return klientiksPipeline(input.klientiksEvent, [
    ...contactSteps(input),
    {
      id: "compose_deal",
      type: "json-composer",
      name: "Данные сделки",
      position: at(3),
      config: { mode: "fields", template: "{}", fields: dealFields, onMissing: "fail" },
    },
    ...dealAndLinkSteps(base, input.statusId, input.credentialName),
  ]);
}

/** The guide's steps 5–8: create the deal in a funnel status, take its id, link the contact to it. */
export function dealAndLinkSteps(
  base: string,
  statusId: string,
  credentialName: string,
  contactToken = "{{steps.parse_contact.contact_id}}",
): StepDefinition[] {
  return [
    {
      id: "create_deal",
      type: "http-request",
      name: "Создать сделку",
      position: at(4),
      config: post(`${base}/public/v1/crm/statuses/${encodeURIComponent(statusId)}/deals`, "compose_deal", credentialName),
    },
    {
      id: "parse_deal",
      type: "json-parser",
      name: "ID сделки",
      position: at(5),
      config: { input: "{{steps.create_deal.body}}", outputs: [{ name: "id сделки", path: '["deal"]["id"]', key: "deal_id" }], onMissing: "fail" },
    },
    {
      id: "compose_link",
      type: "json-composer",
      name: "Привязка контакта",
      position: at(6),
      config: { mode: "template", template: `{ "contactId": "${contactToken}" }`, fields: [], onMissing: "fail" },
    },
    {
      id: "link_contact",
      type: "http-request",
      name: "Привязать контакт к сделке",
      position: at(7),
      config: post(`${base}/public/v1/crm/deals/{{steps.parse_deal.deal_id}}/contacts`, "compose_link", credentialName),
    },
  ];
}

/** The «Хранилище» collection the no-duplicates template keeps Klientiks client_id → Weeek contact id in. */
export const WEEEK_CONTACTS_COLLECTION = "Клиентикс → Weeek: контакты";

/**
 * «Клиентикс → Weeek: сделка без дублей контактов» (docs/klientiks-weeek.md, docs/store.md):
 *
 *   find_contact («Хранилище: найти» client_id) → known («Условие»: «найдено»?)
 *     ├─ «Контакт уже есть» ─────────────────────────────────────────────┐
 *     └─ «Новый клиент» → compose_contact → create_contact_once ────────→ contact («Хранилище: найти»)
 *   contact → compose_deal → create_deal → parse_deal → compose_link → link_contact
 *
 * Most events belong to known clients and take the first branch: one read, no lock. A new client's
 * event goes through «Хранилище: найти или создать», which holds a per-key lock while it looks the
 * key up again, creates the contact and saves its id — so two first events of one client arriving
 * together create one contact (the second finds the id under the lock). Both branches join at a
 * second «найти», whose value the deal steps use.
 */
export function buildWeeekDealNoDuplicatesDefinition(input: WeeekKitInput): PipelineDefinition {
  if (!input.statusId) throw new Error("statusId is required for the no-duplicates template");
  const base = input.weeekBaseUrl.replace(/\/+$/, "");
  const deal = DEAL[input.klientiksEvent];
  const dealFields = dealFieldsOf(deal);
  const [composeContact, createContact] = contactSteps(input);
  const storeKey = { collection: WEEEK_CONTACTS_COLLECTION, key: "{{source.client_id}}", onMissing: "fail" };
  const row = (i: number, y = 0) => ({ x: 320 * (i + 1), y });
  const [createDeal, parseDeal, composeLink, linkContact] = dealAndLinkSteps(base, input.statusId, input.credentialName, "{{steps.contact.value}}");
  const steps: StepDefinition[] = [
    { id: "find_contact", type: "store-find", name: "Контакт клиента в Хранилище", position: row(0), config: storeKey },
    {
      id: "known",
      type: "condition",
      name: "Контакт уже есть?",
      position: row(1),
      config: {
        branches: [
          {
            key: "found",
            name: "Контакт уже есть",
            groups: [{ conditions: [{ left: "{{steps.find_contact.found}}", op: "eq", right: "true", type: "auto", caseSensitive: false }] }],
          },
        ],
        elseName: "Новый клиент",
        onMissing: "empty",
      },
    },
    { ...composeContact, position: row(2, 200) },
    {
      id: "create_contact_once",
      type: "store-find-or-create",
      name: "Создать контакт (один раз на клиента)",
      position: row(3, 200),
      config: { ...createContact.config, ...storeKey, valuePath: '["contact"]["id"]' },
    },
    { id: "contact", type: "store-find", name: "ID контакта", position: row(4), config: storeKey },
    {
      id: "compose_deal",
      type: "json-composer",
      name: "Данные сделки",
      position: row(5),
      config: { mode: "fields", template: "{}", fields: dealFields, onMissing: "fail" },
    },
    ...[createDeal, parseDeal, composeLink, linkContact].map((st, i) => ({ ...st, position: row(6 + i) })),
  ];
  const chain = (ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i], to }));
  return {
    ...klientiksPipeline(input.klientiksEvent, steps),
    edges: [
      { from: "source", to: "find_contact" },
      { from: "find_contact", to: "known" },
      { from: "known", to: "contact", branch: "found" },
      { from: "known", to: "compose_contact", branch: "else" },
      { from: "compose_contact", to: "create_contact_once" },
      { from: "create_contact_once", to: "contact" },
      ...chain(["contact", "compose_deal", "create_deal", "parse_deal", "compose_link", "link_contact"]),
    ],
  };
}
