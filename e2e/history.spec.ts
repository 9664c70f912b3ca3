// История операций end to end: runs executed by the real worker against the fake Weeek, some of
// them failing (the fake's failNext); filter, search, the failing step's HTTP response, a re-run
// from the failed step, a bulk re-run with its progress, the live «Новых» counter, and the API.
import { test, expect, request as pwRequest, type APIRequestContext } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { apiUser, loginViaUi } from "../test/support/e2e-helpers";

const WEEEK_TOKEN = "weeek-e2e-history-token";
const CONTACTS = "POST /crm/contacts";
let fake: FakeWeeek;

test.beforeAll(async () => {
  fake = await startFakeWeeek({ token: WEEEK_TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await fake?.close();
});

function definition() {
  return {
    sourceFields: [{ path: "name" }, { path: "phone" }, { path: "email" }],
    steps: [
      {
        id: "compose",
        type: "json-composer",
        name: "Собрать контакт",
        config: {
          mode: "template",
          template: '{ "firstName": "{{source.name}}", "phones": ["{{source.phone}}"], "emails": ["{{source.email}}"] }',
          fields: [],
          onMissing: "fail",
        },
      },
      {
        id: "contact",
        type: "http-request",
        name: "Создать контакт",
        config: {
          method: "POST",
          url: `http://127.0.0.1:${FAKE_PORT}/public/v1/crm/contacts`,
          headers: [
            { key: "Authorization", value: `Bearer ${WEEEK_TOKEN}` },
            { key: "Content-Type", value: "application/json" },
          ],
          bodyType: "json",
          bodyJson: "{{steps.compose.result}}",
          maxAttempts: 1,
        },
      },
    ],
  };
}

async function waitFinal(ctx: APIRequestContext, baseURL: string, auth: Record<string, string>, runId: string) {
  let run: { status: string } | undefined;
  await expect
    .poll(
      async () => {
        run = (await (await ctx.get(`${baseURL}/api/v1/runs/${runId}`, { headers: auth })).json()).run;
        return run?.status;
      },
      { timeout: 30_000, intervals: [200, 300, 500] },
    )
    .toMatch(/^(SUCCEEDED|FAILED)$/);
  return run!;
}

test("history: filter, search, failing HTTP response, re-run from the failed step, bulk re-run, live counter, API", async ({ page, baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "history");
  const created = await ctx.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "Клиентикс → Weeek (история)", definition: definition() } });
  expect(created.status()).toBe(201);
  const { pipeline } = await created.json();
  expect((await ctx.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/start`, { headers: u.auth })).status()).toBe(200);

  // Seed: three that succeed, three the CRM refuses (one failNext each, consumed by that run).
  const people = [
    { name: "Анна", phone: "+7 999 000-00-01", email: "anna@example.test", fail: false },
    { name: "Борис", phone: "+7 999 000-00-02", email: "boris@example.test", fail: false },
    { name: "Вера", phone: "+7 999 000-00-03", email: "vera@example.test", fail: true },
    { name: "Глеб", phone: "+7 999 000-00-04", email: "gleb@example.test", fail: false },
    { name: "Дина", phone: "+7 999 000-00-05", email: "dina@example.test", fail: true },
    { name: "Егор", phone: "+7 999 000-00-06", email: "egor@example.test", fail: true },
  ];
  const runIds: Record<string, string> = {};
  for (const p of people) {
    if (p.fail) fake.failNext(CONTACTS, 503, { success: false, message: "e2e: CRM недоступна" });
    const res = await ctx.post(pipeline.webhookUrl, { data: { name: p.name, phone: p.phone, email: p.email } });
    expect(res.status()).toBe(200);
    const { runId } = await res.json();
    runIds[p.name] = runId;
    const run = await waitFinal(ctx, baseURL!, u.auth, runId);
    expect(run.status, p.name).toBe(p.fail ? "FAILED" : "SUCCEEDED");
  }
  expect(fake.state.contacts.map((c) => c.firstName).sort()).toEqual(["Анна", "Борис", "Глеб"]);

  // ── the list ──
  await loginViaUi(page, u.email);
  await page.getByRole("link", { name: "История операций" }).click();
  await expect(page.getByRole("heading", { name: "История операций" })).toBeVisible();
  const rows = page.getByTestId("run-row");
  await expect(rows).toHaveCount(6);
  await expect(rows.first()).toContainText("Егор");
  await expect(rows.first()).toContainText("Ошибка");
  await expect(rows.filter({ hasText: "Анна" })).toContainText("Успешно");
  await page.screenshot({ path: "e2e/artifacts/history-list.png", fullPage: true });

  await page.getByLabel("Статус").selectOption("FAILED");
  await expect(page).toHaveURL(/status=FAILED/);
  await expect(rows).toHaveCount(3);
  for (const s of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))) expect(s).toBe("FAILED");
  await expect(rows.first()).toContainText("HTTP 503");

  // Search by a phone, typed differently from how it was sent.
  await page.getByRole("button", { name: "Сбросить" }).click();
  await expect(rows).toHaveCount(6);
  await page.getByLabel("Поиск по значению").fill("79990000004");
  await page.getByRole("button", { name: "Найти" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Глеб");
  await page.getByLabel("Поиск по значению").fill("VERA@example.test");
  await page.getByRole("button", { name: "Найти" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Вера");

  // ── a failed run: the failing step's request and response ──
  await rows.first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/history/${runIds["Вера"]}$`));
  const detail = page.getByTestId("run-detail");
  await expect(detail).toHaveAttribute("data-status", "FAILED");
  await expect(page.getByTestId("request-body")).toContainText("+7 999 000-00-03");
  const failedStep = page.locator('[data-testid="step"][data-step-id="contact"]');
  await expect(failedStep).toHaveAttribute("data-status", "FAILED");
  await expect(failedStep.getByTestId("step-error")).toContainText("HTTP 503");
  const response = failedStep.getByTestId("http-response");
  await expect(response).toContainText("503");
  await expect(response).toContainText("e2e: CRM недоступна");
  const sent = failedStep.getByTestId("http-request");
  await expect(sent).toContainText("/public/v1/crm/contacts");
  await expect(sent).toContainText("Bearer ***");
  await expect(sent).not.toContainText(WEEEK_TOKEN);
  await expect(page.locator('[data-testid="step"][data-step-id="compose"]')).toHaveAttribute("data-status", "SUCCEEDED");
  await page.screenshot({ path: "e2e/artifacts/history-run-failed.png", fullPage: true });
  await page.getByTestId("version-link").click();
  await expect(page.getByTestId("version-title")).toContainText("версия 1");
  await page.goBack();

  // ── re-run from the failed step: the fake works again ──
  const crmCalls = fake.state.requests.length;
  await expect(page.getByLabel("Откуда")).toHaveValue("failed-step");
  await page.getByTestId("rerun").click();
  await expect(page).not.toHaveURL(new RegExp(`/history/${runIds["Вера"]}$`));
  const rerunId = page.url().split("/").pop()!;
  await expect(page.getByTestId("run-detail")).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 30_000 });
  await expect(page.getByTestId("rerun-of")).toContainText("Это перезапуск операции");
  await expect(page.getByTestId("rerun-of")).toContainText("начат с шага «Создать контакт»");
  expect(fake.state.requests.length).toBe(crmCalls + 1);
  expect(fake.state.contacts.map((c) => c.firstName)).toContain("Вера");
  const rerun = (await (await ctx.get(`${baseURL}/api/v1/runs/${rerunId}`, { headers: u.auth })).json()).run;
  expect(rerun).toMatchObject({ rerunOf: { id: runIds["Вера"] }, resumeFromStepId: "contact", status: "SUCCEEDED" });
  await page.getByTestId("rerun-of").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/history/${runIds["Вера"]}$`));
  await expect(page.getByTestId("rerun-link")).toHaveCount(1);
  await page.getByTestId("rerun-link").click();
  await expect(page).toHaveURL(new RegExp(`/history/${rerunId}$`));

  // ── bulk re-run of the failed runs, with progress ──
  await page.goto(`/history?pipelineId=${pipeline.id}&status=FAILED`);
  await expect(rows).toHaveCount(3);
  await page.getByTestId("bulk-open").click();
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("bulk-start").click();
  // Вера already has a re-run: only Дина and Егор are re-run.
  await expect(page.getByTestId("bulk-progress-text")).toHaveText("Выполнено 2 из 2: успешно 2, с ошибкой 0", { timeout: 30_000 });
  expect(fake.state.contacts.map((c) => c.firstName).sort()).toEqual(["Анна", "Борис", "Вера", "Глеб", "Дина", "Егор"]);

  // ── live: a new run appears as a counter ──
  await page.goto(`/history?pipelineId=${pipeline.id}`);
  await expect(rows).toHaveCount(9);
  const res = await ctx.post(pipeline.webhookUrl, { data: { name: "Жанна", phone: "+7 999 000-00-07", email: "zhanna@example.test" } });
  expect(res.status()).toBe(200);
  await expect(page.getByTestId("new-runs")).toHaveText("Новых: 1 — показать");
  await page.getByTestId("new-runs").click();
  await expect(rows).toHaveCount(10);
  await expect(rows.first()).toContainText("Жанна");
  await expect(rows.first()).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 15_000 });

  // ── the same through the API, scoped by user ──
  const list = await (await ctx.get(`${baseURL}/api/v1/runs?pipelineId=${pipeline.id}&status=SUCCEEDED&q=%2B7%20999%20000-00-05`, { headers: u.auth })).json();
  expect(list.runs).toHaveLength(1);
  expect(list.runs[0].rerunOfId).toBe(runIds["Дина"]);
  const page1 = await (await ctx.get(`${baseURL}/api/v1/runs?limit=4`, { headers: u.auth })).json();
  const page2 = await (await ctx.get(`${baseURL}/api/v1/runs?limit=4&cursor=${page1.nextCursor}`, { headers: u.auth })).json();
  expect(page1.runs).toHaveLength(4);
  expect(page2.runs[0].receivedAt <= page1.runs[3].receivedAt).toBe(true);

  const other = await apiUser(await pwRequest.newContext(), baseURL!, "history-intruder");
  const anon = await pwRequest.newContext();
  expect((await anon.get(`${baseURL}/api/v1/runs/${runIds["Вера"]}`, { headers: other.auth })).status()).toBe(404);
  expect((await anon.post(`${baseURL}/api/v1/runs/${runIds["Вера"]}/rerun`, { headers: other.auth, data: { from: "start" } })).status()).toBe(404);
  expect((await anon.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/process-pending`, { headers: other.auth })).status()).toBe(404);
  expect((await (await anon.get(`${baseURL}/api/v1/runs`, { headers: other.auth })).json()).runs).toEqual([]);
  const bulk = await anon.post(`${baseURL}/api/v1/runs/rerun-bulk`, { headers: other.auth, data: { filter: { status: "FAILED" } } });
  expect(await bulk.json()).toEqual({ count: 0, runIds: [] });
  expect((await anon.get(`${baseURL}/api/v1/runs`)).status()).toBe(401);
});

test("not processed runs (pipeline stopped) are processed one, then all", async ({ page, baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "history-pending");
  const created = await ctx.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "Остановленная", definition: definition() } });
  const { pipeline } = await created.json();
  const ids: string[] = [];
  for (const name of ["Зоя", "Иван", "Кира"]) {
    const res = await ctx.post(pipeline.webhookUrl, { data: { name, phone: "+7 999 111-11-11", email: `${name}@example.test` } });
    ids.push((await res.json()).runId);
  }
  await loginViaUi(page, u.email);
  await page.goto(`/history?pipelineId=${pipeline.id}`);
  const rows = page.getByTestId("run-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("Не обработан");

  await page.goto(`/history/${ids[0]}`);
  await page.getByTestId("process-run").click();
  await expect(page.getByTestId("run-detail")).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 30_000 });

  await page.goto(`/history?pipelineId=${pipeline.id}`);
  await page.getByTestId("process-pending").click();
  await expect(page.getByRole("status")).toContainText("Поставлено в очередь: 2");
  for (const id of ids) expect((await waitFinal(ctx, baseURL!, u.auth, id)).status).toBe("SUCCEEDED");
  await page.reload();
  await expect(rows.filter({ hasText: "Успешно" })).toHaveCount(3);

  // Retention settings on the per-pipeline header.
  await page.locator("summary", { hasText: "Хранение истории" }).click();
  await page.getByLabel("Хранить операции, дней").fill("7");
  await page.getByText("Хранить данные успешных операций").click();
  await page.getByTestId("retention-settings").getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("retention-settings").getByRole("status")).toHaveText("Сохранено");
  const saved = (await (await ctx.get(`${baseURL}/api/v1/pipelines/${pipeline.id}`, { headers: u.auth })).json()).pipeline;
  expect(saved.settings).toMatchObject({ retentionDays: 7, storeSuccessPayloads: false });
});
