// «Создать из шаблона» end to end: the wizard against the fake Weeek, the Klientiks URL, a real
// Klientiks-shaped request to it, and the worker creating contact, deal and link in the fake.
// Also export/import on the pipelines list. Screenshots go to docs/img for docs/klientiks-weeek.md.
import fs from "node:fs";
import { test, expect, request as pwRequest } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { apiUser, registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

const TOKEN = "weeek-e2e-token-7f3a9c";
let weeek: FakeWeeek;

test.beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await weeek?.close();
});

/** What Klientiks substitutes for each placeholder of «Запись клиента на прием». */
const APPOINTMENT: Record<string, string> = {
  "client.id": "7",
  "client.phone": "+79161234567",
  "client.name": "Анна Иванова",
  "appointment.id": "501",
  "appointment.date": "2025-03-14",
  "appointment.time": "15:30",
  executor_name: "Ольга Петрова",
  executor_phone: "+79031112233",
  services: "Стрижка, укладка",
  "appointment.total_cost": "1500",
  "user.position": "Администратор",
};

test("template wizard → Klientiks URL → event → contact, deal and link in Weeek; export and import", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await registerViaUi(page, uniqueEmail("kit"));
  await page.getByTestId("create-from-template").click();
  await expect(page).toHaveURL(/\/pipelines\/new$/);

  // 1. Template, name, event.
  await expect(page.getByTestId("template-klientiks-weeek-deal")).toContainText("Клиентикс → Weeek: контакт и сделка");
  await expect(page.getByTestId("template-klientiks-weeek-contact")).toContainText("Клиентикс → Weeek: только контакт");
  await page.getByTestId("template-klientiks-weeek-deal").click();
  await page.getByLabel("Название обработки").fill("Клиентикс → Weeek (записи)");
  await page.getByLabel("Событие Клиентикс").selectOption({ label: "Запись клиента на прием" });
  await page.screenshot({ path: "docs/img/kit-1-template.png", fullPage: true });
  await page.getByRole("button", { name: "Далее" }).click();

  // 2. Token: a wrong one is refused plainly, the right one opens the funnel list.
  await page.getByTestId("template-secret").fill("not-the-token");
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByTestId("wizard-error")).toHaveText("Неверный токен Weeek");
  await page.getByTestId("template-secret").fill(TOKEN);
  await expect(page.getByLabel("Название ключа доступа")).toHaveValue("Weeek токен");
  await page.screenshot({ path: "docs/img/kit-2-token.png", fullPage: true });
  await page.getByRole("button", { name: "Далее" }).click();

  // 3. Funnel and status from Weeek.
  const target = weeek.state.funnels[0].statuses[1];
  await expect(page.getByLabel("Воронка", { exact: true })).toHaveValue(weeek.state.funnels[0].id);
  await page.getByLabel("Статус", { exact: true }).selectOption({ label: target.name });
  await expect(page.getByText("из 8 шагов")).toBeVisible();
  await page.screenshot({ path: "docs/img/kit-3-status.png", fullPage: true });
  await page.getByTestId("wizard-create").click();

  // 4. The Klientiks URL for «Запись клиента на прием», copied.
  await expect(page.getByText("Обработка «Клиентикс → Weeek (записи)» создана.")).toBeVisible();
  await page.getByTestId("klientiks-event").selectOption({ label: "Запись клиента на прием" });
  await page.getByTestId("copy-klientiks-url").click();
  await expect(page.getByText("Скопировано")).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  await expect(page.getByTestId("klientiks-url")).toHaveValue(copied);
  expect(copied).toMatch(/\/hooks\/[A-Za-z0-9_-]+\?client_id=\{\{client\.id\}\}&/);
  expect(copied).toContain("&appointment_time={{appointment.time}}&");
  await page.screenshot({ path: "docs/img/kit-4-klientiks-url.png", fullPage: true });

  await page.getByTestId("open-created-pipeline").click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  const pipelineId = page.url().split("/").pop()!;

  // What was saved: eight steps, the token only as a credential name, the chosen status.
  const saved = (await (await page.request.get(`/api/v1/pipelines/${pipelineId}`)).json()).pipeline;
  expect(saved.definition.steps).toHaveLength(8);
  const savedText = JSON.stringify(saved.definition);
  expect(savedText).not.toContain(TOKEN);
  expect(savedText).toContain('{{credentials[\\"Weeek токен\\"]}}');
  expect(saved.definition.steps[4].config.url).toBe(`http://127.0.0.1:${FAKE_PORT}/public/v1/crm/statuses/${target.id}/deals`);
  expect(saved.definition.sourceFields.map((f: { path: string }) => f.path)).toContain("appointment_total_cost");

  const started = await page.request.post(`/api/v1/pipelines/${pipelineId}/start`);
  expect(started.status(), await started.text()).toBe(200);

  // Klientiks fills the placeholders in and calls the address.
  const eventUrl = copied.replace(/\{\{([^}]+)\}\}/g, (_, key: string) => {
    expect(APPOINTMENT, `value for {{${key}}}`).toHaveProperty([key]);
    return encodeURIComponent(APPOINTMENT[key]);
  });
  const anon = await pwRequest.newContext();
  const hook = await anon.get(eventUrl);
  expect(hook.status(), await hook.text()).toBe(200);

  await expect.poll(() => weeek.state.links.length, { timeout: 30_000 }).toBe(1);
  const contact = weeek.state.contacts[0];
  expect(contact).toMatchObject({ firstName: "Анна Иванова", phones: ["+79161234567"] });
  const deal = weeek.state.deals[0];
  expect(deal).toMatchObject({ title: "Запись 2025-03-14 15:30: Анна Иванова", statusId: target.id, description: "Стрижка, укладка" });
  expect(deal.amount).toBe(1500);
  expect(typeof deal.amount).toBe("number");
  const dealRequest = weeek.state.requests.find((r) => r.method === "POST" && r.path.endsWith("/deals"))!;
  expect((dealRequest.body as { amount: unknown }).amount).toBe(1500);
  expect(weeek.state.links[0]).toEqual({ dealId: deal.id, contactId: contact.id });
  await page.reload();
  await page.screenshot({ path: "docs/img/kit-5-pipeline.png", fullPage: true });

  // Export from the list, import the file back; a user without the credential is told so.
  await page.goto("/pipelines");
  const row = page.getByTestId("pipeline-row").filter({ hasText: "Клиентикс → Weeek (записи)" });
  const downloading = page.waitForEvent("download");
  await row.getByTestId("export-pipeline").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.hookflow\.json$/);
  const filePath = await download.path();
  const text = fs.readFileSync(filePath, "utf8");
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(saved.webhookUrl.split("/hooks/")[1]);
  const file = JSON.parse(text);
  expect(file).toMatchObject({ format: "hookflow.pipeline", version: 1, name: "Клиентикс → Weeek (записи)", credentials: ["Weeek токен"] });

  await page.getByTestId("import-pipeline-file").setInputFiles({ name: "pipeline.json", mimeType: "application/json", buffer: Buffer.from(text) });
  await expect(page.getByTestId("import-result")).toHaveText("Обработка «Клиентикс → Weeek (записи)» импортирована.");
  await expect(page.getByTestId("pipeline-row").filter({ hasText: "Клиентикс → Weeek (записи)" })).toHaveCount(2);
  await page.screenshot({ path: "docs/img/kit-6-import.png", fullPage: true });

  const other = await pwRequest.newContext();
  const stranger = await apiUser(other, baseURL!, "kit-import");
  const imported = await other.post(`${baseURL}/api/v1/pipelines/import`, { headers: stranger.auth, data: file });
  expect(imported.status()).toBe(201);
  const body = await imported.json();
  expect(body.missingCredentials).toEqual(["Weeek токен"]);
  expect(body.pipeline.definition).toEqual(saved.definition);
});

test("API: from-template with a new credential, contact-only template, errors", async ({ baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "kit-api");
  const post = (path: string, data: unknown) => ctx.post(`${baseURL}${path}`, { headers: u.auth, data });

  const bad = await post("/api/v1/weeek/funnels", { token: "nope" });
  expect(bad.status()).toBe(422);
  expect((await bad.json()).error.message).toBe("Неверный токен Weeek");
  const funnels = (await (await post("/api/v1/weeek/funnels", { token: TOKEN })).json()).funnels;
  expect(funnels[0].name).toBe("Продажи");

  const noStatus = await post("/api/v1/pipelines/from-template", { templateId: "klientiks-weeek-deal", name: "x", credentialName: "W", secret: TOKEN });
  expect(noStatus.status()).toBe(422);

  const created = await post("/api/v1/pipelines/from-template", {
    templateId: "klientiks-weeek-contact",
    name: "Только контакт",
    credentialName: "Weeek API",
    secret: TOKEN,
    klientiksEvent: "client_created",
  });
  expect(created.status(), await created.text()).toBe(201);
  const { pipeline } = await created.json();
  expect(JSON.stringify(pipeline)).not.toContain(TOKEN);
  expect(pipeline.definition.steps.map((s: { type: string }) => s.type)).toEqual(["json-composer", "http-request", "json-parser"]);
  expect(pipeline.definition.sourceFields.map((f: { path: string }) => f.path)).toContain("client_email");

  // A credential name is unique per user: a second new token under it is refused, not overwritten.
  const again = await post("/api/v1/pipelines/from-template", { templateId: "klientiks-weeek-contact", name: "y", credentialName: "Weeek API", secret: TOKEN });
  expect(again.status()).toBe(409);
});
