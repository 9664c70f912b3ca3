// «Хранилище» page (find, edit, delete, export), its API scoping, and «Дубликаты»: set in the
// editor's source panel, seen as «Дубликат» in the history with a link to the original run.
import { test, expect, request as pwRequest, type APIRequestContext } from "@playwright/test";
import fs from "node:fs";
import { apiUser, loginViaUi } from "../test/support/e2e-helpers";

const COLLECTION = "Клиентикс → Weeek: контакты";
const entryUrl = (base: string, collection: string, key: string) => `${base}/api/v1/store/entry?${new URLSearchParams({ collection, key })}`;

async function put(ctx: APIRequestContext, base: string, auth: Record<string, string>, collection: string, key: string, value: unknown, ttlSeconds?: number) {
  const res = await ctx.put(entryUrl(base, collection, key), { headers: auth, data: { value, ...(ttlSeconds ? { ttlSeconds } : {}) } });
  expect(res.status(), await res.text()).toBe(200);
}

test("«Хранилище»: list, search, edit, delete, export; another account gets 404", async ({ page, baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "store");
  await put(ctx, baseURL!, u.auth, COLLECTION, "1842", "c-1842-ivanov");
  await put(ctx, baseURL!, u.auth, COLLECTION, "1843", { id: "c-1843", name: 'Ольга "Оля" Смирнова 💅', note: "первая строка\nвторая" });
  await put(ctx, baseURL!, u.auth, COLLECTION, "1844/путь?с=символами", "c-1844", 3600);
  await put(ctx, baseURL!, u.auth, "Счётчики", "визиты", 41);
  const inc = await ctx.post(`${baseURL}/api/v1/store/entry/increment?${new URLSearchParams({ collection: "Счётчики", key: "визиты" })}`, {
    headers: u.auth,
    data: { by: 1 },
  });
  expect((await inc.json()).entry.value).toBe(42);

  // Bad input gets a clear error naming the field.
  const long = await ctx.put(entryUrl(baseURL!, COLLECTION, "x".repeat(257)), { headers: u.auth, data: { value: 1 } });
  expect(long.status()).toBe(422);
  expect((await long.json()).error.message).toBe("Ключ длиннее 256 символов");
  const big = await ctx.put(entryUrl(baseURL!, COLLECTION, "big"), { headers: u.auth, data: { value: "я".repeat(40_000) } });
  expect(big.status()).toBe(422);
  expect((await big.json()).error.message).toMatch(/^Значение больше 64 КБ/);

  // Another account never sees the key.
  const other = await apiUser(ctx, baseURL!, "store-other");
  expect((await ctx.get(entryUrl(baseURL!, COLLECTION, "1842"), { headers: other.auth })).status()).toBe(404);
  expect((await ctx.delete(entryUrl(baseURL!, COLLECTION, "1842"), { headers: other.auth })).status()).toBe(404);
  expect((await (await ctx.get(`${baseURL}/api/v1/store/collections`, { headers: other.auth })).json()).collections).toEqual([]);

  await page.setViewportSize({ width: 1024, height: 768 });
  await loginViaUi(page, u.email);
  await page.getByRole("link", { name: "Хранилище" }).click();
  await expect(page.getByRole("heading", { name: "Хранилище" })).toBeVisible();
  const rows = page.getByTestId("store-entry");
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId("store-collections")).toContainText(COLLECTION);
  await expect(page.getByTestId("store-collections")).toContainText("Счётчики");
  await page.screenshot({ path: "e2e/artifacts/store-page-1024.png", fullPage: true });

  // Find: by key, and by text inside the value.
  await page.getByTestId("store-search").fill("1842");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("c-1842-ivanov");
  await page.getByTestId("store-search").fill("смирнова");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-key", "1843");
  await page.getByTestId("store-search").fill("нет такого");
  await expect(page.getByTestId("store-entries")).toContainText("Ничего не найдено");
  await page.getByTestId("store-search").fill("");
  await expect(rows).toHaveCount(4);

  // A collection on the left narrows the list.
  await page
    .getByTestId("store-collections")
    .getByRole("button", { name: /Счётчики/ })
    .click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("42");
  await page
    .getByTestId("store-collections")
    .getByRole("button", { name: /Все коллекции/ })
    .click();
  await expect(rows).toHaveCount(4);

  // Edit: a bad JSON is refused with a hint, a good one is saved with an expiry.
  await rows.filter({ hasText: "c-1842-ivanov" }).getByRole("button", { name: "Изменить" }).click();
  const form = page.getByTestId("store-entry-form");
  await form.getByTestId("store-form-value").fill("{ contactId: c-1842 }");
  await form.getByTestId("store-form-save").click();
  await expect(form.getByRole("alert")).toContainText("Значение — не JSON");
  await form.getByTestId("store-form-value").fill('{ "contactId": "c-1842-new", "phone": "+7 (999) 123-45-67" }');
  await form.getByTestId("store-form-ttl").fill("90");
  await page.screenshot({ path: "e2e/artifacts/store-edit.png", fullPage: true });
  await form.getByTestId("store-form-save").click();
  await expect(page.getByTestId("store-entry-form")).toHaveCount(0);
  await expect(page.locator('[data-testid="store-entry"][data-key="1842"]')).toContainText("c-1842-new");
  const saved = (await (await ctx.get(entryUrl(baseURL!, COLLECTION, "1842"), { headers: u.auth })).json()).entry;
  expect(saved.value).toEqual({ contactId: "c-1842-new", phone: "+7 (999) 123-45-67" });
  const ttlMs = new Date(saved.expiresAt).getTime() - Date.now();
  expect(ttlMs).toBeGreaterThan(80 * 60_000);
  expect(ttlMs).toBeLessThanOrEqual(90 * 60_000 + 5_000);

  // Add a key from the page.
  await page.getByTestId("store-add").click();
  await page.getByTestId("store-form-collection").fill(COLLECTION);
  await page.getByTestId("store-form-key").fill("1900");
  await page.getByTestId("store-form-value").fill('"c-1900"');
  await page.getByTestId("store-form-save").click();
  await expect(rows).toHaveCount(5);

  // Delete (confirm dialog).
  page.once("dialog", (d) => void d.accept());
  await page.locator('[data-testid="store-entry"][data-key="1843"]').getByRole("button", { name: "Удалить" }).click();
  await expect(rows).toHaveCount(4);
  await expect(page.locator('[data-testid="store-entry"][data-key="1843"]')).toHaveCount(0);
  expect((await ctx.get(entryUrl(baseURL!, COLLECTION, "1843"), { headers: u.auth })).status()).toBe(404);

  // Export of one collection: a JSON download.
  await page
    .getByTestId("store-collections")
    .getByRole("button", { name: new RegExp(COLLECTION) })
    .click();
  await expect(rows).toHaveCount(3);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("store-export").click()]);
  const file = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(file.collection).toBe(COLLECTION);
  expect(file.entries.map((e: { key: string }) => e.key)).toEqual(["1842", "1844/путь?с=символами", "1900"]);
  await page.screenshot({ path: "e2e/artifacts/store-collection.png", fullPage: true });

  await ctx.dispose();
});

test("«Дубликаты»: set in the source panel; the same event three times → one run, two «Дубликат» linking to it", async ({ page, baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "dedup");
  const definition = {
    sourceFields: [{ path: "appointment_id" }, { path: "client_name" }],
    steps: [{ id: "compose", type: "json-composer", name: "Данные", config: { mode: "template", template: '{ "id": "{{source.appointment_id}}" }' } }],
  };
  const created = await ctx.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "Клиентикс: записи", definition } });
  const { pipeline } = await created.json();

  await page.setViewportSize({ width: 1280, height: 900 });
  await loginViaUi(page, u.email);
  await page.goto(`/pipelines/${pipeline.id}`);
  await page.getByTestId("source-node").click();
  const section = page.getByTestId("dedup-section");
  await section.getByTestId("dedup-enabled").check();
  await section.getByTestId("dedup-key").getByRole("textbox").fill("{{source.appointment_id}}");
  await section.getByTestId("dedup-window").fill("2");
  await section.getByRole("combobox").selectOption("hours");
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/dedup-source-panel.png" });
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("unsaved")).toBeHidden();
  const saved = (await (await ctx.get(`${baseURL}/api/v1/pipelines/${pipeline.id}`, { headers: u.auth })).json()).pipeline;
  // The editor writes the sources out (docs/sources.md): the setting belongs to the one source.
  expect(saved.definition.sources.map((s: { dedup?: unknown }) => s.dedup)).toEqual([
    { enabled: true, by: "key", key: "{{source.appointment_id}}", windowMinutes: 120 },
  ]);
  expect((await ctx.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/start`, { headers: u.auth })).status()).toBe(200);

  const event = `appointment_id=90017&client_name=${encodeURIComponent('Анна "Аня" 💇')}`;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await ctx.get(`${saved.webhookUrl}?${event}`);
    expect(res.status()).toBe(200);
    ids.push((await res.json()).runId);
    // Each delivery is processed before the next one arrives (the first becomes the original).
    await expect
      .poll(async () => (await (await ctx.get(`${baseURL}/api/v1/runs/${ids[i]}`, { headers: u.auth })).json()).run.status, { timeout: 30_000 })
      .toMatch(/^(SUCCEEDED|DUPLICATE)$/);
  }
  const statuses = await Promise.all(ids.map(async (id) => (await (await ctx.get(`${baseURL}/api/v1/runs/${id}`, { headers: u.auth })).json()).run));
  expect(statuses.map((r) => r.status)).toEqual(["SUCCEEDED", "DUPLICATE", "DUPLICATE"]);
  expect(statuses.map((r) => r.duplicateOf?.id ?? null)).toEqual([null, ids[0], ids[0]]);

  await page.goto(`/history?pipelineId=${pipeline.id}`);
  const rows = page.getByTestId("run-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "Дубликат" })).toHaveCount(2);
  await page.screenshot({ path: "e2e/artifacts/dedup-history.png", fullPage: true });
  await page.goto(`/history/${ids[2]}`);
  await expect(page.getByTestId("duplicate-of")).toContainText("Событие с тем же ключом уже получено");
  await page.screenshot({ path: "e2e/artifacts/dedup-run.png", fullPage: true });
  await expect(page.getByText("Шаги не выполнялись: это повтор")).toBeVisible();
  await page.getByTestId("duplicate-of-link").click();
  await expect(page).toHaveURL(new RegExp(`/history/${ids[0]}$`));

  // «Выполнить всё же»: a re-run of a duplicate skips the check and executes.
  await page.goto(`/history/${ids[1]}`);
  await page.getByTestId("rerun").click();
  await expect(page).not.toHaveURL(new RegExp(`/history/${ids[1]}$`));
  const rerunId = page.url().split("/history/")[1];
  await expect
    .poll(async () => (await (await ctx.get(`${baseURL}/api/v1/runs/${rerunId}`, { headers: u.auth })).json()).run.status, { timeout: 30_000 })
    .toBe("SUCCEEDED");
  await ctx.dispose();
});

test("«Клиентикс → Weeek: сделка без дублей контактов» opens in the editor with its «Условие» branch", async ({ page, baseURL }) => {
  const { getStarterKit } = await import("../lib/starter-kits/registry");
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "store-template");
  const definition = getStarterKit("klientiks-weeek-deal-no-duplicates")!.build({
    klientiksEvent: "appointment_created",
    credentialName: "Weeek токен",
    weeekBaseUrl: "https://api.weeek.net",
    statusId: "st-1",
  });
  const created = await ctx.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "Клиентикс → Weeek без дублей", definition } });
  expect(created.status()).toBe(201);
  const { pipeline } = await created.json();
  await page.setViewportSize({ width: 1280, height: 900 });
  await loginViaUi(page, u.email);
  await page.goto(`/pipelines/${pipeline.id}`);
  await expect(page.getByText("Контакт уже есть?")).toBeVisible();
  await expect(page.getByText("Создать контакт (один раз на клиента)")).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/store-template-canvas.png" });
  await ctx.dispose();
});
