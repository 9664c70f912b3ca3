// The four Klientiks webhook events from the reference guide (seed/klientiks-to-weeek.ru.txt), with
// the guide's parameter strings. Two typos in the guide are fixed, because Klientiks would send
// them literally: «Запись клиента на прием» had `appointment.time={{appointment_time}}` (name and
// placeholder swapped), and «Визит клиента оплачен» had `{appointment.status}}` (one brace).
//
// Pure data and string building: imported by the wizard in the browser as well as by the server.
import type { PipelineDefinition } from "../definition/schema";

export type KlientiksEventId = "client_created" | "appointment_created" | "invoice_created" | "visit_paid";

export type KlientiksEvent = {
  id: KlientiksEventId;
  title: { ru: string; en: string };
  /** [our parameter name, Klientiks placeholder] in the order of the guide's string. */
  params: readonly (readonly [string, string])[];
};

export const KLIENTIKS_EVENTS: readonly KlientiksEvent[] = [
  {
    id: "client_created",
    title: { ru: "Добавление клиента", en: "Client added" },
    params: [
      ["client_id", "id"],
      ["client_phone", "phone"],
      ["client_name", "name"],
      ["client_first_name", "first_name"],
      ["client_patron_name", "patron_name"],
      ["client_second_name", "second_name"],
      ["client_deleted", "deleted"],
      ["client_email", "email"],
    ],
  },
  {
    id: "appointment_created",
    title: { ru: "Запись клиента на прием", en: "Client booked an appointment" },
    params: [
      ["client_id", "client.id"],
      ["client_phone", "client.phone"],
      ["client_name", "client.name"],
      ["appointment_id", "appointment.id"],
      ["appointment_date", "appointment.date"],
      ["appointment_time", "appointment.time"],
      ["executor_name", "executor_name"],
      ["executor_phone", "executor_phone"],
      ["services", "services"],
      ["appointment_total_cost", "appointment.total_cost"],
      ["user_position", "user.position"],
    ],
  },
  {
    id: "invoice_created",
    title: { ru: "Создание счета на оплату", en: "Invoice created" },
    params: [
      ["client_id", "client_id"],
      ["client_name", "client.name"],
      ["client_phone", "client.phone"],
      ["appointment_id", "object_id"],
      ["appointment_amount", "amount"],
      ["appointment_paid", "paid"],
      ["appointment_name", "name"],
      ["appointment_description", "description"],
      ["appointment_paid_sum", "paid_sum"],
      ["appointment_left_to_pay", "left_to_pay"],
    ],
  },
  {
    id: "visit_paid",
    title: { ru: "Визит клиента оплачен", en: "Visit paid" },
    params: [
      ["client_id", "client_id"],
      ["appointment_id", "appointment.id"],
      ["appointment_account_id", "appointment.account_id"],
      ["appointment_created", "appointment.created"],
      ["appointment_appointment_id", "appointment.appointment_id"],
      ["appointment_status", "appointment.status"],
      ["appointment_paid", "appointment.paid"],
    ],
  },
];

export const DEFAULT_KLIENTIKS_EVENT: KlientiksEventId = "appointment_created";

export function isKlientiksEventId(v: unknown): v is KlientiksEventId {
  return KLIENTIKS_EVENTS.some((e) => e.id === v);
}

export function getKlientiksEvent(id: KlientiksEventId): KlientiksEvent {
  const e = KLIENTIKS_EVENTS.find((x) => x.id === id);
  if (!e) throw new Error(`unknown Klientiks event: ${id}`);
  return e;
}

/** The field names the event's request will carry — the source's field list before «Получить». */
export function klientiksEventFields(id: KlientiksEventId): string[] {
  return getKlientiksEvent(id).params.map(([name]) => name);
}

/** A template's definition: the event's fields pre-filled as the source's field list, then its steps. */
export function klientiksPipeline(id: KlientiksEventId, steps: PipelineDefinition["steps"]): PipelineDefinition {
  return { sourceFields: klientiksEventFields(id).map((path) => ({ path })), sourcePosition: { x: 0, y: 0 }, steps };
}

/**
 * "client_id={{client.id}}&…" — left unencoded on purpose: Klientiks looks for the literal
 * `{{…}}` placeholders in the address and substitutes them before sending.
 */
export function klientiksParamString(id: KlientiksEventId): string {
  return getKlientiksEvent(id)
    .params.map(([name, placeholder]) => `${name}={{${placeholder}}}`)
    .join("&");
}

/** The exact «Адрес запроса» to paste into Klientiks: the webhook URL, "?" and the parameters. */
export function buildKlientiksUrl(webhookUrl: string, id: KlientiksEventId): string {
  const base = webhookUrl.trim();
  const sep = base.includes("?") ? (/[?&]$/.test(base) ? "" : "&") : "?";
  return `${base}${sep}${klientiksParamString(id)}`;
}
