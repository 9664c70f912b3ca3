import { describe, expect, it } from "vitest";
import { credentialFits } from "./credential-match";
import { STARTER_KITS } from "./registry";

describe("credentialFits", () => {
  it("offers a key whose name names the destination, case-insensitively", () => {
    expect(credentialFits("weeek", "Weeek токен")).toBe(true);
    expect(credentialFits("weeek", "токен WEEEK салон 2")).toBe(true);
    expect(credentialFits("amocrm", "amoCRM токен")).toBe(true);
    expect(credentialFits("bitrix24", "Битрикс24 вебхук")).toBe(true);
    expect(credentialFits("bitrix24", "bitrix portal")).toBe(true);
    expect(credentialFits("telegram", "Telegram бот")).toBe(true);
  });

  it("does not offer another destination's key", () => {
    expect(credentialFits("weeek", "amoCRM токен")).toBe(false);
    expect(credentialFits("amocrm", "Weeek токен")).toBe(false);
    expect(credentialFits("telegram", "Битрикс24 вебхук")).toBe(false);
    expect(credentialFits("bitrix24", "Telegram бот")).toBe(false);
  });

  it("each template's default key name fits its own destination", () => {
    for (const t of STARTER_KITS) expect(credentialFits(t.destination, t.credential.defaultName), t.id).toBe(true);
  });
});
