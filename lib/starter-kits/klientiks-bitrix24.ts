// «Клиентикс → Битрикс24: лид»: crm.lead.add through an incoming webhook. The webhook's address
// carries its secret (https://<портал>/rest/<user>/<code>/), so the whole address is the credential
// and the step's URL is `{{credentials[…]}}crm.lead.add.json` — inserted unencoded as the URL's
// base, and masked as a whole in history.
import type { PipelineDefinition } from "../definition/schema";
import { klientiksPipeline, type KlientiksEventId } from "./klientiks-events";
import { addFilter, at, EVENT_MAPPING } from "./klientiks-mapping";
import { parseHttpUrl, type Check } from "./kit-inputs";
import { postComposedJson } from "./http-step";

export type BitrixKitInput = { credentialName: string; klientiksEvent: KlientiksEventId };

/**
 * A pasted webhook address → "https://<портал>/rest/<user>/<code>/". Bitrix shows it with an
 * example method appended (…/profile.json), which is cut off.
 */
export function checkBitrixWebhook(text: string): Check {
  const u = parseHttpUrl(text.trim());
  const m = u ? /^(\/rest\/\d+\/[A-Za-z0-9_]+)(\/.*)?$/.exec(u.pathname) : null;
  if (!u || !m || u.search) {
    return {
      error: {
        ru: "Адрес вебхука Битрикс24 должен выглядеть так: https://портал.bitrix24.ru/rest/1/abc123xyz/",
        en: "A Bitrix24 webhook address looks like https://portal.bitrix24.ru/rest/1/abc123xyz/",
      },
    };
  }
  return { value: `${u.origin}${m[1]}/` };
}

export function buildBitrixLeadDefinition(input: BitrixKitInput): PipelineDefinition {
  const m = EVENT_MAPPING[input.klientiksEvent];
  const fields = {
    TITLE: m.title,
    NAME: m.firstName,
    ...(m.lastName ? { LAST_NAME: m.lastName } : {}),
    ...(m.middleName ? { SECOND_NAME: m.middleName } : {}),
    ...(m.phone ? { PHONE: [{ VALUE: m.phone, VALUE_TYPE: "WORK" }] } : {}),
    ...(m.email ? { EMAIL: [{ VALUE: m.email, VALUE_TYPE: "WORK" }] } : {}),
    ...(m.amount ? { OPPORTUNITY: addFilter(m.amount, "number"), CURRENCY_ID: "RUB" } : {}),
    ...(m.comment ? { COMMENTS: m.comment } : {}),
    SOURCE_DESCRIPTION: "Клиентикс",
  };
  return klientiksPipeline(input.klientiksEvent, [
    {
      id: "compose_lead",
      type: "json-composer",
      name: "Данные лида",
      position: at(0),
      // Bitrix24 stores an empty value as an empty field: optional values carry `| omitEmpty`.
      config: { mode: "template", template: JSON.stringify({ fields, params: { REGISTER_SONET_EVENT: "Y" } }, null, 2), fields: [], onMissing: "empty" },
    },
    {
      id: "create_lead",
      type: "http-request",
      name: "Создать лид в Битрикс24",
      position: at(1),
      // Bitrix24 allows ~2 requests/s per portal (a burst of 50, then 503 QUERY_LIMIT_EXCEEDED).
      config: { ...postComposedJson(`{{credentials[${JSON.stringify(input.credentialName)}]}}crm.lead.add.json`, "compose_lead"), rateLimitPerSecond: 2 },
    },
    {
      id: "parse_lead",
      type: "json-parser",
      name: "ID лида",
      position: at(2),
      config: { input: "{{steps.create_lead.body}}", outputs: [{ name: "id лида", path: '["result"]', key: "lead_id" }], onMissing: "fail" },
    },
  ]);
}
