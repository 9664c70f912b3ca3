// A failed run explained to a salon owner: a Weeek template set up with a wrong token, a real
// Klientiks-shaped event, the worker's refused request — and the run page says in plain Russian
// which key did not fit and what to do, above the raw response, with the two links that fix it.
import { test, expect } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { apiUser, loginViaUi } from "../test/support/e2e-helpers";

const TOKEN = "weeek-e2e-right-token-51";
let weeek: FakeWeeek;

test.beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await weeek?.close();
});

test("wrong Weeek token: the run page names the key, says what to do, and links to the step and the key", async ({ page, request, baseURL }) => {
  const user = await apiUser(request, baseURL!, "run-errors");
  const created = await request.post(`${baseURL}/api/v1/pipelines/from-template`, {
    headers: user.auth,
    data: {
      templateId: "klientiks-weeek-contact",
      name: "Клиентикс → Weeek (старый токен)",
      credentialName: "Weeek токен",
      secret: "revoked-token-000",
      klientiksEvent: "appointment_created",
    },
  });
  expect(created.status()).toBe(201);
  const { pipeline } = (await created.json()) as { pipeline: { id: string; webhookUrl: string } };
  expect((await request.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/start`, { headers: user.auth })).ok()).toBe(true);

  const event = new URLSearchParams({
    client_id: "7",
    client_phone: "8 (916) 123-45-67",
    client_name: `Анна "Ромашка" О'Нил 🌸`,
    appointment_id: "501",
    appointment_date: "25.11.2026",
    appointment_time: "15:30",
    executor_name: "Ольга",
    executor_phone: "",
    services: "Стрижка",
    appointment_total_cost: "2 300,50",
    user_position: "Администратор",
  });
  const hook = await request.get(`${pipeline.webhookUrl.replace(/^https?:\/\/[^/]+/, baseURL!)}?${event}`);
  expect(hook.status()).toBe(200);
  const { runId } = (await hook.json()) as { runId: string };
  await expect
    .poll(
      async () => ((await (await request.get(`${baseURL}/api/v1/runs/${runId}`, { headers: user.auth })).json()) as { run: { status: string } }).run.status,
      {
        timeout: 30_000,
      },
    )
    .toBe("FAILED");
  expect(weeek.state.contacts).toHaveLength(0);

  await page.setViewportSize({ width: 1024, height: 900 });
  await loginViaUi(page, user.email);
  await page.goto(`/history/${runId}`);
  const banner = page.getByTestId("run-error");
  const explain = banner.getByTestId("error-explain");
  await expect(explain).toHaveAttribute("data-kind", "auth");
  await expect(explain).toContainText("Ключ доступа «Weeek токен» не подошёл: обновите его в Ключах доступа");
  await expect(explain).toContainText(`127.0.0.1:${FAKE_PORT} ответил 401`);
  // The raw text stays, under the explanation; the step's raw response too.
  await expect(banner.getByTestId("run-error-text")).toContainText("Шаг 2 «Создать контакт»: HTTP 401");
  const step = page.locator('[data-testid="step"][data-step-id="create_contact"]');
  await expect(step.getByTestId("http-response")).toContainText("401");
  await expect(step.getByTestId("http-response")).toContainText("Unauthorized");
  const explainBox = await explain.boundingBox();
  const responseBox = await step.getByTestId("http-response").boundingBox();
  expect(explainBox!.y).toBeLessThan(responseBox!.y);
  await page.screenshot({ path: "test-results/run-error-explained.png", fullPage: true });
  await page.screenshot({ path: "docs/img/run-error-explained.png" });

  // «Открыть ключ доступа»: settings, that key marked.
  await explain.getByTestId("open-credential").click();
  await expect(page).toHaveURL(/\/settings\?credential=[0-9a-f-]{36}#credential-/);
  const row = page.locator('[data-testid="credential-row"][data-focused="true"]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Weeek токен");
  await page.screenshot({ path: "test-results/run-error-credential.png" });

  // «Открыть шаг в редакторе»: the editor with the failed step selected.
  await page.goBack();
  await page.getByTestId("run-error").getByTestId("open-step").click();
  await expect(page).toHaveURL(new RegExp(`/pipelines/${pipeline.id}\\?step=create_contact$`));
  await expect(page.getByTestId("step-panel")).toBeVisible();
  await expect(page.getByTestId("step-panel")).toContainText("Создать контакт");
  await page.screenshot({ path: "test-results/run-error-step.png" });
});
