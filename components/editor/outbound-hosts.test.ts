import { describe, expect, it } from "vitest";
import { hostOf, outboundCalls } from "./outbound-hosts";

const http = (id: string, name: string, url: string) => ({ id, type: "http-request", name, config: { url } });

describe("outbound hosts of «Проверить обработку»", () => {
  it("reads the host of each HTTP step, port and tokens in the path included", () => {
    expect(hostOf("https://api.weeek.net/public/v1/crm/contacts")).toBe("api.weeek.net");
    expect(hostOf("http://127.0.0.1:4130/public/v1/crm/deals/{{steps.s_1.deal_id}}/contacts")).toBe("127.0.0.1:4130");
    expect(hostOf("https://user:pw@Example.RU/x")).toBe("example.ru");
    expect(hostOf('{{credentials["Битрикс24 вебхук"]}}crm.lead.add.json')).toBeNull();
    expect(hostOf("https://{{source.portal}}.amocrm.ru/api/v4/leads")).toBeNull();
  });

  it("groups steps by host in step order; composers and parsers call nothing", () => {
    const calls = outboundCalls({
      sourceFields: [],
      steps: [
        { id: "a", type: "json-composer", name: "Данные", config: {} },
        http("b", "Создать контакт", "https://api.weeek.net/public/v1/crm/contacts"),
        http("c", "Создать сделку", "https://api.weeek.net/public/v1/crm/statuses/1/deals"),
        http("d", "Лид", '{{credentials["Битрикс24 вебхук"]}}crm.lead.add.json'),
      ],
    });
    expect(calls).toEqual([
      {
        host: "api.weeek.net",
        steps: [
          { index: 1, name: "Создать контакт" },
          { index: 2, name: "Создать сделку" },
        ],
      },
      { host: null, steps: [{ index: 3, name: "Лид" }] },
    ]);
  });
});
