// What each Klientiks event says about the client and the deal, as tokens — shared by the Weeek,
// amoCRM, Bitrix24 and Telegram templates. Only fields the event sends are used (see
// klientiks-events.ts): a token for a field Klientiks never sends would fail every run.
//
// Empty values are decided when the event arrives, not when the pipeline is built: Klientiks sends a
// client without an e-mail as `client_email=` (an empty string), so every optional value carries
// `| omitEmpty` (docs/templates-and-actions.md «Пустые значения») and the destination gets only
// what exists. Phones leave as +7XXXXXXXXXX (`| phone`): the CRMs' duplicate check compares them.
import type { KlientiksEventId } from "./klientiks-events";

export type Localized = { ru: string; en: string };

export type EventMapping = {
  /** A full name when the event has no separate parts; never empty («Без имени» stands in). */
  firstName: string;
  lastName?: string;
  middleName?: string;
  phone?: string;
  email?: string;
  /** Lead / deal title. */
  title: string;
  amount?: string;
  comment?: string;
};

/** The first name a contact gets when the client has none (CRMs want some name). */
export const NO_NAME_TEXT = "Без имени";
const NO_NAME = JSON.stringify(NO_NAME_TEXT);

/** "{{source.x | omitEmpty}}" → "{{source.x | omitEmpty | round}}": one more filter at the end. */
export function addFilter(token: string, filter: string): string {
  return token.replace(/\}\}$/, ` | ${filter}}}`);
}

export const EVENT_MAPPING: Record<KlientiksEventId, EventMapping> = {
  client_created: {
    firstName: `{{source.client_first_name | trim | default(${NO_NAME})}}`,
    lastName: "{{source.client_second_name | omitEmpty | trim}}",
    middleName: "{{source.client_patron_name | omitEmpty | trim}}",
    phone: "{{source.client_phone | omitEmpty | phone}}",
    email: "{{source.client_email | omitEmpty | trim}}",
    title: "Новый клиент: {{source.client_name}}",
  },
  appointment_created: {
    firstName: `{{source.client_name | trim | default(${NO_NAME})}}`,
    phone: "{{source.client_phone | omitEmpty | phone}}",
    title: "Запись {{source.appointment_date}} {{source.appointment_time}}: {{source.client_name}}",
    amount: "{{source.appointment_total_cost | omitEmpty}}",
    comment: "{{source.services | omitEmpty}}",
  },
  invoice_created: {
    firstName: `{{source.client_name | trim | default(${NO_NAME})}}`,
    phone: "{{source.client_phone | omitEmpty | phone}}",
    title: "Счёт «{{source.appointment_name}}»: {{source.client_name}}",
    amount: "{{source.appointment_amount | omitEmpty}}",
    comment: "{{source.appointment_description | omitEmpty}}",
  },
  // This event carries only ids; a recognisable name beats a rejected contact.
  visit_paid: {
    firstName: "Клиент Клиентикс №{{source.client_id}}",
    title: "Визит оплачен: клиент №{{source.client_id}}, запись №{{source.appointment_id}}",
  },
};

/** A message: a heading and labelled lines; a line is [label, text with tokens]. */
export type EventMessage = { heading: string; lines: readonly (readonly [string, string])[] };

export const EVENT_MESSAGE: Record<KlientiksEventId, EventMessage> = {
  client_created: {
    heading: "Новый клиент",
    lines: [
      ["Клиент", "{{source.client_name}}"],
      ["Телефон", "{{source.client_phone}}"],
      ["E-mail", "{{source.client_email}}"],
    ],
  },
  appointment_created: {
    heading: "Новая запись",
    lines: [
      ["Клиент", "{{source.client_name}}"],
      ["Телефон", "{{source.client_phone}}"],
      ["Когда", "{{source.appointment_date}} {{source.appointment_time}}"],
      ["Услуги", "{{source.services}}"],
      ["Мастер", "{{source.executor_name}}"],
      ["Сумма", "{{source.appointment_total_cost}} ₽"],
    ],
  },
  invoice_created: {
    heading: "Новый счёт",
    lines: [
      ["Клиент", "{{source.client_name}}"],
      ["Телефон", "{{source.client_phone}}"],
      ["Счёт", "{{source.appointment_name}}"],
      ["Сумма", "{{source.appointment_amount}} ₽"],
      ["Оплачено", "{{source.appointment_paid_sum}} ₽"],
      ["Осталось оплатить", "{{source.appointment_left_to_pay}} ₽"],
      ["Описание", "{{source.appointment_description}}"],
    ],
  },
  visit_paid: {
    heading: "Визит оплачен",
    lines: [
      ["Клиент", "№{{source.client_id}}"],
      ["Запись", "№{{source.appointment_id}}"],
      ["Статус", "{{source.appointment_status}}"],
    ],
  },
};

/**
 * Adds filters to every plain source token of a text: "{{source.a}} x" → "{{source.a | omitEmpty | html}} x"
 * (with omitEmpty, a message line whose value is empty is then left out).
 */
export function withCast(text: string, cast: string): string {
  return text.replace(/\{\{\s*(source\.[A-Za-z0-9_.]+)\s*\}\}/g, `{{$1 | ${cast}}}`);
}

export const at = (i: number) => ({ x: 320 * (i + 1), y: 0 });
