// What each Klientiks event says about the client and the deal, as tokens — shared by the amoCRM,
// Bitrix24 and Telegram templates. Only fields the event sends are used (see klientiks-events.ts):
// a token for a field Klientiks never sends would fail every run.
import type { KlientiksEventId } from "./klientiks-events";

export type Localized = { ru: string; en: string };

export type EventMapping = {
  /** A full name when the event has no separate parts. */
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

export const EVENT_MAPPING: Record<KlientiksEventId, EventMapping> = {
  client_created: {
    firstName: "{{source.client_first_name}}",
    lastName: "{{source.client_second_name}}",
    middleName: "{{source.client_patron_name}}",
    phone: "{{source.client_phone}}",
    email: "{{source.client_email}}",
    title: "Новый клиент: {{source.client_name}}",
  },
  appointment_created: {
    firstName: "{{source.client_name}}",
    phone: "{{source.client_phone}}",
    title: "Запись {{source.appointment_date}} {{source.appointment_time}}: {{source.client_name}}",
    amount: "{{source.appointment_total_cost}}",
    comment: "{{source.services}}",
  },
  invoice_created: {
    firstName: "{{source.client_name}}",
    phone: "{{source.client_phone}}",
    title: "Счёт «{{source.appointment_name}}»: {{source.client_name}}",
    amount: "{{source.appointment_amount}}",
    comment: "{{source.appointment_description}}",
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

/** Adds a cast to every token of a text: "{{source.a}} x" → "{{source.a | html}} x". */
export function withCast(text: string, cast: string): string {
  return text.replace(/\{\{\s*(source\.[A-Za-z0-9_.]+)\s*\}\}/g, `{{$1 | ${cast}}}`);
}

export const at = (i: number) => ({ x: 320 * (i + 1), y: 0 });
