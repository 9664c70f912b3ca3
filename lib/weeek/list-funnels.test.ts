import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWeeek, type FakeWeeek } from "../../test/support/fakes/weeek";
import { createOutboundHttp } from "../security/outbound-http";
import { UpstreamError, ValidationError } from "../errors";
import { listWeeekFunnels, listWeeekStatuses } from "./list-funnels";

const TOKEN = "weeek-picker-token-42";
let weeek: FakeWeeek;
let opts: { baseUrl: string; http: ReturnType<typeof createOutboundHttp> };

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN });
  opts = { baseUrl: weeek.url, http: createOutboundHttp({ allowlist: new URL(weeek.url).host }) };
});
afterAll(async () => {
  await weeek.close();
});

describe("Weeek status picker calls", () => {
  it("lists funnels and a funnel's statuses", async () => {
    const funnels = await listWeeekFunnels(TOKEN, opts);
    expect(funnels).toEqual([{ id: weeek.state.funnels[0].id, name: "Продажи" }]);
    const statuses = await listWeeekStatuses(TOKEN, funnels[0].id, opts);
    expect(statuses.map((s) => s.name)).toEqual(["Новая", "В работе", "Успешно"]);
    expect(weeek.state.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a wrong token is «Неверный токен Weeek»", async () => {
    const err = await listWeeekFunnels("wrong", opts).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: "weeek_unauthorized", message: "Неверный токен Weeek" });
  });

  it("Weeek's own errors and network failures are shown plainly", async () => {
    weeek.failNext("GET /crm/funnels", 500, { success: false, message: "Server Error" });
    const failed = await listWeeekFunnels(TOKEN, opts).catch((e) => e);
    expect(failed).toBeInstanceOf(UpstreamError);
    expect(failed.message).toBe("Weeek ответил HTTP 500: Server Error");
    const err = await listWeeekFunnels(TOKEN, { baseUrl: "http://127.0.0.1:1", http: createOutboundHttp({ allowlist: "127.0.0.1" }) }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe("weeek_unreachable");
    expect(err.message).toMatch(/^Weeek недоступен: .*ECONNREFUSED/);
  });

  it("the SSRF guard applies: a private address without an allowlist entry is refused", async () => {
    const err = await listWeeekFunnels(TOKEN, { baseUrl: weeek.url, http: createOutboundHttp() }).catch((e) => e);
    expect(err.code).toBe("weeek_unreachable");
    expect(err.message).toContain("OUTBOUND_ALLOWLIST");
  });
});
