// «Клиентикс → amoCRM: сделка с контактом»: one call to POST /api/v4/leads/complex, which creates the
// lead and its contact together (amoCRM merges duplicates by phone/e-mail only if the account's
// «контроль дублей» is on). Body is an array of leads; the answer is an array of
// {"id", "contact_id", "company_id", "request_id", "merged"}.
import type { PipelineDefinition } from "../definition/schema";
import { klientiksPipeline, type KlientiksEventId } from "./klientiks-events";
import { addFilter, at, EVENT_MAPPING } from "./klientiks-mapping";
import { parseHttpUrl, type Check } from "./kit-inputs";
import { bearer, postComposedJson } from "./http-step";

export type AmoKitInput = { baseUrl: string; credentialName: string; klientiksEvent: KlientiksEventId };

/** "mycompany", "mycompany.amocrm.ru" or a URL → "https://mycompany.amocrm.ru" (the origin). */
export function checkAmoBaseUrl(text: string): Check {
  const t = text.trim().replace(/\/+$/, "");
  if (/^[a-z0-9][a-z0-9-]*$/i.test(t)) return { value: `https://${t.toLowerCase()}.amocrm.ru` };
  const u = parseHttpUrl(/^https?:\/\//i.test(t) ? t : `https://${t}`);
  if (!u || (!u.hostname.includes(".") && u.hostname !== "localhost")) {
    return {
      error: {
        ru: "Адрес amoCRM: укажите поддомен (mycompany) или адрес вида https://mycompany.amocrm.ru",
        en: "amoCRM address: enter the subdomain (mycompany) or https://mycompany.amocrm.ru",
      },
    };
  }
  return { value: u.origin };
}

export function buildAmoLeadDefinition(input: AmoKitInput): PipelineDefinition {
  const m = EVENT_MAPPING[input.klientiksEvent];
  const fieldsValues = [
    ...(m.phone ? [{ field_code: "PHONE", values: [{ value: m.phone, enum_code: "WORK" }] }] : []),
    ...(m.email ? [{ field_code: "EMAIL", values: [{ value: m.email, enum_code: "WORK" }] }] : []),
  ];
  const contact = {
    first_name: m.firstName,
    ...(m.lastName ? { last_name: m.lastName } : {}),
    ...(fieldsValues.length ? { custom_fields_values: fieldsValues } : {}),
  };
  // `| round` leaves a whole JSON number: amoCRM's price is an int, it refuses "1500" and 2300.5.
  const lead = { name: m.title, ...(m.amount ? { price: addFilter(m.amount, "round") } : {}), _embedded: { contacts: [contact] } };
  return klientiksPipeline(input.klientiksEvent, [
    {
      id: "compose_lead",
      type: "json-composer",
      name: "Сделка и контакт",
      position: at(0),
      // Optional values carry `| omitEmpty` (klientiks-mapping.ts): amoCRM refuses empty values, so
      // a client without a phone gets no PHONE entry at all. "empty": a parameter missing from the
      // request altogether (a hand-made test call) is treated like an empty one.
      config: { mode: "template", template: JSON.stringify([lead], null, 2), fields: [], onMissing: "empty" },
    },
    {
      id: "create_lead",
      type: "http-request",
      name: "Создать сделку в amoCRM",
      position: at(1),
      // amoCRM allows 7 requests/s per account (429 above it).
      config: {
        ...postComposedJson(`${input.baseUrl.replace(/\/+$/, "")}/api/v4/leads/complex`, "compose_lead", [bearer(input.credentialName)]),
        rateLimitPerSecond: 7,
      },
    },
    {
      id: "parse_lead",
      type: "json-parser",
      name: "ID сделки и контакта",
      position: at(2),
      config: {
        input: "{{steps.create_lead.body}}",
        outputs: [
          { name: "id сделки", path: '[0]["id"]', key: "lead_id" },
          { name: "id контакта", path: '[0]["contact_id"]', key: "contact_id" },
        ],
        onMissing: "fail",
      },
    },
  ]);
}
