// The Klientiks → Weeek pipeline from the reference guide (seed/klientiks-to-weeek.ru.txt):
// contact → deal in a funnel status → link the contact to the deal. Differences from the guide,
// made because the real API needs them: the deal's field is `title` (not `name`), and `amount`
// is sent as a number (the guide's "указывается числом!").
import type { PipelineDefinition } from "../definition";

export type KlientiksWeeekOptions = {
  /** e.g. "https://api.weeek.net" (no trailing slash needed). */
  baseUrl: string;
  /** The funnel status new deals go to (GET /public/v1/crm/funnels/{id}/statuses). */
  statusId: string;
  /** Name of the credential holding the Weeek API token. */
  credentialName: string;
};

/** Fields Klientiks sends for «Запись клиента на прием» with the guide's parameter string. */
export const KLIENTIKS_APPOINTMENT_FIELDS = [
  "client_id",
  "client_name",
  "client_first_name",
  "client_second_name",
  "client_phone",
  "client_email",
  "appointment_id",
  "appointment_date",
  "appointment.time",
  "services",
  "appointment_total_cost",
] as const;

export function buildKlientiksWeeekDefinition(opts: KlientiksWeeekOptions): PipelineDefinition {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const cred = `{{credentials[${JSON.stringify(opts.credentialName)}]}}`;
  const headers = [
    { key: "Authorization", value: `Bearer ${cred}` },
    { key: "Content-Type", value: "application/json" },
  ];
  const post = (url: string, bodyFrom: string) => ({
    method: "POST",
    url,
    query: [],
    headers,
    bodyType: "json",
    bodyJson: `{{steps.${bodyFrom}.result}}`,
    bodyForm: [],
    bodyRaw: "",
    timeoutSeconds: 30,
    acceptNon2xx: false,
    maxAttempts: 3,
    onMissing: "fail",
  });
  const at = (i: number) => ({ x: 320 * (i + 1), y: 0 });
  return {
    sourceFields: KLIENTIKS_APPOINTMENT_FIELDS.map((path) => ({ path })),
    sourcePosition: { x: 0, y: 0 },
    steps: [
      {
        id: "compose_contact",
        type: "json-composer",
        name: "Данные контакта",
        position: at(0),
        config: {
          mode: "template",
          template: [
            "{",
            '  "firstName": "{{source.client_first_name}}",',
            '  "lastName": "{{source.client_second_name}}",',
            '  "emails": ["{{source.client_email}}"],',
            '  "phones": ["{{source.client_phone}}"]',
            "}",
          ].join("\n"),
          fields: [],
          onMissing: "empty",
        },
      },
      { id: "create_contact", type: "http-request", name: "Создать контакт", position: at(1), config: post(`${base}/public/v1/crm/contacts`, "compose_contact") },
      {
        id: "parse_contact",
        type: "json-parser",
        name: "ID контакта",
        position: at(2),
        config: { input: "{{steps.create_contact.body}}", outputs: [{ name: "id контакта", path: '["contact"]["id"]', key: "contact_id" }], onMissing: "fail" },
      },
      {
        id: "compose_deal",
        type: "json-composer",
        name: "Данные сделки",
        position: at(3),
        config: {
          mode: "fields",
          template: "{}",
          fields: [
            { key: "title", value: "Запись {{source.appointment_date}} {{source.appointment.time}}: {{source.client_name}}", type: "string" },
            { key: "status_id", value: opts.statusId, type: "string" },
            { key: "amount", value: "{{source.appointment_total_cost}}", type: "number" },
            { key: "description", value: "{{source.services}}", type: "string" },
          ],
          onMissing: "fail",
        },
      },
      {
        id: "create_deal",
        type: "http-request",
        name: "Создать сделку",
        position: at(4),
        config: post(`${base}/public/v1/crm/statuses/${encodeURIComponent(opts.statusId)}/deals`, "compose_deal"),
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
        config: { mode: "template", template: '{ "contactId": "{{steps.parse_contact.contact_id}}" }', fields: [], onMissing: "fail" },
      },
      {
        id: "link_contact",
        type: "http-request",
        name: "Привязать контакт к сделке",
        position: at(7),
        config: post(`${base}/public/v1/crm/deals/{{steps.parse_deal.deal_id}}/contacts`, "compose_link"),
      },
    ],
  };
}
