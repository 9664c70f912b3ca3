// A fake amoCRM API v4: POST /api/v4/leads/complex with a long-lived token, answering with
// amoCRM's shapes — the array of created ids, 401 problem+json, 400 validation-errors.
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "./http-fake";

export type AmoContact = {
  id: number;
  first_name: string;
  last_name: string;
  custom_fields_values: { field_code: string; values: { value: string; enum_code?: string }[] }[];
};
export type AmoLead = { id: number; name: string; price: number; contactId: number };
export type FakeAmo = FakeServer & { leads: AmoLead[]; contacts: AmoContact[] };

const unauthorized = (): Reply => ({
  status: 401,
  body: { title: "Unauthorized", type: "https://httpstatus.es/401", status: 401, detail: "Авторизация не пройдена: неверный или просроченный токен" },
  headers: { "content-type": "application/problem+json" },
});

const invalid = (errors: { code: string; path: string; detail: string }[]): Reply => ({
  status: 400,
  body: {
    "validation-errors": [{ request_id: "0", errors }],
    title: "Bad Request",
    type: "https://httpstatus.es/400",
    status: 400,
    detail: "Request validation failed",
  },
  headers: { "content-type": "application/problem+json" },
});

export async function startFakeAmo(opts: { token: string; port?: number }): Promise<FakeAmo> {
  const leads: AmoLead[] = [];
  const contacts: AmoContact[] = [];
  let nextId = 31_000_000;
  const handle = (req: RecordedRequest): Reply => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) return unauthorized();
    if (req.method !== "POST" || req.path !== "/api/v4/leads/complex") return { status: 404, body: { title: "Not Found", status: 404 } };
    if (!Array.isArray(req.body)) return invalid([{ code: "InvalidType", path: "", detail: "This value should be of type array." }]);
    const out = [];
    for (const [i, lead] of (req.body as Record<string, unknown>[]).entries()) {
      const errors: { code: string; path: string; detail: string }[] = [];
      if (typeof lead.name !== "string") errors.push({ code: "InvalidType", path: `${i}.name`, detail: "This value should be of type string." });
      if (lead.price !== undefined && !Number.isInteger(lead.price))
        errors.push({ code: "InvalidType", path: `${i}.price`, detail: "This value should be of type int." });
      const c = ((lead._embedded as { contacts?: AmoContact[] } | undefined)?.contacts ?? [])[0];
      const base = `${i}._embedded.contacts.0`;
      // amoCRM refuses blank values: an empty name, an empty PHONE/EMAIL value, an empty values list.
      const blank = (v: unknown) => typeof v !== "string" || v.trim() === "";
      for (const key of ["first_name", "last_name", "name"] as const) {
        const v = (c as Record<string, unknown> | undefined)?.[key];
        if (v !== undefined && blank(v)) errors.push({ code: "NotBlank", path: `${base}.${key}`, detail: "This value should not be blank." });
      }
      for (const [j, f] of (c?.custom_fields_values ?? []).entries()) {
        const at = `${base}.custom_fields_values.${j}`;
        if (!["PHONE", "EMAIL"].includes(f.field_code))
          errors.push({ code: "NotSupportedChoice", path: `${at}.field_code`, detail: "The value you selected is not a valid choice." });
        if (!Array.isArray(f.values) || f.values.length === 0)
          errors.push({ code: "Count", path: `${at}.values`, detail: "This collection should contain 1 element or more." });
        for (const [k, v] of (f.values ?? []).entries()) {
          if (blank(v.value)) errors.push({ code: "NotBlank", path: `${at}.values.${k}.value`, detail: "This value should not be blank." });
        }
      }
      if (errors.length) return invalid(errors);
      const contact = { ...c!, id: nextId++ };
      contacts.push(contact);
      const id = nextId++;
      leads.push({ id, name: lead.name as string, price: (lead.price as number) ?? 0, contactId: contact.id });
      out.push({ id, contact_id: contact.id, company_id: null, request_id: [String(i)], merged: false });
    }
    return { status: 200, body: out, headers: { "content-type": "application/hal+json" } };
  };
  const server = await startFakeServer(handle, opts.port);
  return Object.assign(server, { leads, contacts });
}
