// The fake Weeek's own behaviour that the benchmark relies on: a link finds its deal and contact
// by their ids and answers 404 for unknown ones (its lookups moved from list scans to a Map and a
// Set in round 12; this pins that the answers stayed the same), and trim() forgets the oldest as
// if they were deleted in Weeek.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWeeek, type FakeWeeek } from "../support/fakes/weeek";

const TOKEN = "weeek-test-token";
let weeek: FakeWeeek;

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN });
});
afterAll(async () => {
  await weeek.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${weeek.url}/public/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  type Answer = { success?: boolean; message?: string; contact?: { id: string }; deal?: { id: string } };
  return { status: res.status, body: (await res.json()) as Answer };
}

const statusId = () => weeek.state.funnels[0].statuses[0].id;

async function contactAndDeal(i: number) {
  const contact = await call("POST", "/crm/contacts", { firstName: `Мария ${i}`, lastName: "Иванова", phones: ["+7 (999) 123-45-67"] });
  const deal = await call("POST", `/crm/statuses/${statusId()}/deals`, { title: `Запись «стрижка» ${i} 💇`, amount: 1500 });
  return { contactId: contact.body.contact!.id, dealId: deal.body.deal!.id };
}

describe("fake Weeek", () => {
  it("links a deal to a contact by their ids, and answers 404 for ids it does not know", async () => {
    const { contactId, dealId } = await contactAndDeal(1);
    expect(await call("POST", `/crm/deals/${dealId}/contacts`, { contactId })).toEqual({ status: 200, body: { success: true } });
    expect(weeek.state.deals.find((d) => d.id === dealId)?.contacts).toEqual([contactId]);
    expect(await call("POST", `/crm/deals/${dealId}/contacts`, { contactId: "00000000-0000-4000-8000-000000000000" })).toEqual({
      status: 404,
      body: { success: false, message: "Contact not found" },
    });
    expect((await call("POST", `/crm/deals/00000000-0000-4000-8000-000000000000/contacts`, { contactId })).status).toBe(404);
  });

  it("trim(keep) keeps the newest contacts and deals findable and forgets the rest", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await contactAndDeal(10 + i));
    weeek.trim(2);
    expect(weeek.state.contacts.map((c) => c.id)).toEqual(made.slice(3).map((m) => m.contactId));
    expect(weeek.state.requests).toEqual([]);
    const [old, , , , newest] = made;
    expect(await call("POST", `/crm/deals/${newest.dealId}/contacts`, { contactId: newest.contactId })).toMatchObject({ status: 200 });
    expect(await call("POST", `/crm/deals/${old.dealId}/contacts`, { contactId: newest.contactId })).toEqual({
      status: 404,
      body: { success: false, message: "Deal not found" },
    });
    expect(await call("POST", `/crm/deals/${newest.dealId}/contacts`, { contactId: old.contactId })).toEqual({
      status: 404,
      body: { success: false, message: "Contact not found" },
    });
  });
});
