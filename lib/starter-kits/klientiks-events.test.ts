import { describe, expect, it } from "vitest";
import { buildKlientiksUrl, klientiksEventFields, KLIENTIKS_EVENTS } from "./klientiks-events";

const HOOK = "https://hookflow.example.ru/hooks/AbC123_-x";

describe("buildKlientiksUrl", () => {
  it("«Добавление клиента»: the guide's string", () => {
    expect(buildKlientiksUrl(HOOK, "client_created")).toBe(
      `${HOOK}?client_id={{id}}&client_phone={{phone}}&client_name={{name}}&client_first_name={{first_name}}&client_patron_name={{patron_name}}&client_second_name={{second_name}}&client_deleted={{deleted}}&client_email={{email}}`,
    );
  });

  it("«Запись клиента на прием»: appointment_time={{appointment.time}}, not the guide's swapped pair", () => {
    expect(buildKlientiksUrl(HOOK, "appointment_created")).toBe(
      `${HOOK}?client_id={{client.id}}&client_phone={{client.phone}}&client_name={{client.name}}&appointment_id={{appointment.id}}&appointment_date={{appointment.date}}&appointment_time={{appointment.time}}&executor_name={{executor_name}}&executor_phone={{executor_phone}}&services={{services}}&appointment_total_cost={{appointment.total_cost}}&user_position={{user.position}}`,
    );
  });

  it("«Создание счета на оплату»: the guide's string", () => {
    expect(buildKlientiksUrl(HOOK, "invoice_created")).toBe(
      `${HOOK}?client_id={{client_id}}&client_name={{client.name}}&client_phone={{client.phone}}&appointment_id={{object_id}}&appointment_amount={{amount}}&appointment_paid={{paid}}&appointment_name={{name}}&appointment_description={{description}}&appointment_paid_sum={{paid_sum}}&appointment_left_to_pay={{left_to_pay}}`,
    );
  });

  it("«Визит клиента оплачен»: {{appointment.status}} with both braces", () => {
    expect(buildKlientiksUrl(HOOK, "visit_paid")).toBe(
      `${HOOK}?client_id={{client_id}}&appointment_id={{appointment.id}}&appointment_account_id={{appointment.account_id}}&appointment_created={{appointment.created}}&appointment_appointment_id={{appointment.appointment_id}}&appointment_status={{appointment.status}}&appointment_paid={{appointment.paid}}`,
    );
  });

  it("keeps every placeholder balanced and literal", () => {
    for (const e of KLIENTIKS_EVENTS) {
      const url = buildKlientiksUrl(HOOK, e.id);
      expect(url).not.toMatch(/%7B|%7D/i);
      const opens = url.match(/\{\{/g)?.length ?? 0;
      expect(url.match(/\}\}/g)?.length).toBe(opens);
      expect(opens).toBe(e.params.length);
      expect(url.split("?")).toHaveLength(2);
    }
  });

  it("appends with & when the webhook URL already has a query", () => {
    expect(buildKlientiksUrl(`${HOOK}?tag=a`, "visit_paid")).toMatch(new RegExp(`^${HOOK.replace(/[.?]/g, "\\$&")}\\?tag=a&client_id=`));
  });

  it("lists each event's field names for the source", () => {
    expect(klientiksEventFields("appointment_created")).toEqual([
      "client_id",
      "client_phone",
      "client_name",
      "appointment_id",
      "appointment_date",
      "appointment_time",
      "executor_name",
      "executor_phone",
      "services",
      "appointment_total_cost",
      "user_position",
    ]);
    expect(klientiksEventFields("visit_paid")).toContain("appointment_status");
  });
});
