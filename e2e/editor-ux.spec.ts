// The editor and history at 1024 px (issue 13, items 5–6): the header keeps its buttons on screen
// and truncates the title; the field picker inserts on Enter and stays inside the window;
// «Проверить обработку» names the hosts it will call and sends nothing until confirmed;
// «Восстановить» lists what changes and asks; a GET run opens «Параметры запроса»; a failed run
// fixed by a re-run says so in the list, whose input summary has room at 1024 px (the attempts
// column folds into the status cell below 1280 px). Screenshots at 1024 and 1440 px go to
// e2e/artifacts.
import { test, expect, type Page } from "@playwright/test";
import pg from "pg";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { clickOnCanvas, registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

const TOKEN = "weeek-editor-ux-token-0d1e";
const LONG_NAME = "Клиентикс → Weeek: контакт и сделка — салон «Лаванда» на Невском проспекте, онлайн-запись и повторные визиты";
let weeek: FakeWeeek;

test.use({ viewport: { width: 1024, height: 768 } });
test.beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await weeek?.close();
});

/** A signed-in user with the 8-step Klientiks → Weeek pipeline made by the template API. */
async function pipelineFromTemplate(page: Page, name = LONG_NAME) {
  await registerViaUi(page, uniqueEmail("ux"));
  const res = await page.request.post("/api/v1/pipelines/from-template", {
    data: {
      templateId: "klientiks-weeek-deal",
      name,
      klientiksEvent: "appointment_created",
      credentialName: "Weeek токен",
      secret: TOKEN,
      statusId: weeek.state.funnels[0].statuses[0].id,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).pipeline as { id: string; webhookUrl: string };
}

async function insideViewport(page: Page, testId: string) {
  const vp = page.viewportSize()!;
  const box = await page.getByTestId(testId).boundingBox();
  expect(box, testId).not.toBeNull();
  expect(box!.x, testId).toBeGreaterThanOrEqual(0);
  expect(box!.y, testId).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, testId).toBeLessThanOrEqual(vp.width);
  expect(box!.y + box!.height, testId).toBeLessThanOrEqual(vp.height);
}

test("header at 1024 px: buttons on screen, the title truncates; readable canvas", async ({ page }) => {
  const p = await pipelineFromTemplate(page);
  await page.goto(`/pipelines/${p.id}`);
  await expect(page.getByTestId("step-node")).toHaveCount(8);
  for (const id of ["test-pipeline", "save", "start", "link-history", "link-settings"]) await insideViewport(page, id);
  await insideViewport(page, "pipeline-version");
  const title = page.getByTestId("pipeline-name");
  expect(await title.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await expect(title).toHaveAttribute("title", LONG_NAME);
  // Node text stays at least 11 px on screen: the canvas is never zoomed below that to fit.
  const zoom = await page.locator(".react-flow__viewport").evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
  expect(12 * zoom).toBeGreaterThanOrEqual(11);
  await page.screenshot({ path: "e2e/artifacts/ux-editor-1024.png" });

  // With a step open the buttons still fit, and the last step can be reached by scrolling the canvas.
  await clickOnCanvas(page, page.getByTestId("step-node").nth(7));
  await expect(page.getByTestId("step-panel")).toContainText("Привязать контакт к сделке");
  for (const id of ["test-pipeline", "save", "start"]) await insideViewport(page, id);
  await page.screenshot({ path: "e2e/artifacts/ux-editor-1024-step.png" });

  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(title).toBeVisible();
  for (const id of ["test-pipeline", "save", "start"]) await insideViewport(page, id);
  await page.screenshot({ path: "e2e/artifacts/ux-editor-1440-step.png" });
});

test("field picker: Enter inserts the highlighted field; the picker stays inside the window", async ({ page }) => {
  const p = await pipelineFromTemplate(page, "Пикер");
  await page.goto(`/pipelines/${p.id}`);
  const panel = page.getByTestId("editor-panel");

  // «Создать контакт»: the body's «+ Вставить поле» sits at the bottom of a 768 px window; the
  // picker opens above it, fully visible.
  await clickOnCanvas(page, page.getByTestId("step-node").nth(1));
  const insertBody = panel.getByRole("button", { name: "+ Вставить поле" });
  await expect.poll(async () => (await insertBody.boundingBox())!.y).toBeGreaterThan(600);
  await insertBody.click();
  const picker = page.getByTestId("field-picker");
  await expect(picker).toBeVisible();
  await insideViewport(page, "field-picker");
  expect((await picker.boundingBox())!.y + (await picker.boundingBox())!.height).toBeLessThanOrEqual((await insertBody.boundingBox())!.y + 1);
  await page.screenshot({ path: "e2e/artifacts/ux-picker-1024.png" });
  await page.keyboard.press("Escape");
  await expect(picker).toHaveCount(0);

  // A header value: Enter inserts the first match at the caret.
  const value = panel.getByLabel("Значение 2");
  await value.click();
  await page.keyboard.press("End");
  await page.keyboard.type("; q=");
  await value.locator("xpath=following-sibling::button[1]").click();
  await insideViewport(page, "field-picker");
  await picker.getByRole("textbox").fill("client_name");
  await expect(picker.locator('[data-active="true"]')).toContainText("client_name");
  await page.keyboard.press("Enter");
  await expect(picker).toHaveCount(0);
  await expect(value).toHaveValue(/; q=\{\{source\.client_name\}\}$/);

  // The JSON editor's picker: ArrowDown + Enter takes the second match.
  await clickOnCanvas(page, page.getByTestId("step-node").nth(0)); // «Данные контакта», a JSON template
  const editor = panel.getByTestId("json-editor").first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await panel.getByRole("button", { name: "+ Вставить поле" }).first().click();
  await insideViewport(page, "field-picker");
  await page.getByTestId("field-picker").getByRole("textbox").fill("executor");
  await expect(page.getByTestId("field-picker").locator('[data-active="true"]')).toContainText("executor_name");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByTestId("field-picker").locator('[data-active="true"]')).toContainText("executor_phone");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("field-picker")).toHaveCount(0);
  await expect(editor.locator("[data-chip]").filter({ hasText: "executor_phone" })).toHaveCount(1);
  await expect(page.getByTestId("unsaved")).toBeVisible();
});

test("«Проверить обработку» names the hosts and sends nothing until confirmed", async ({ page }) => {
  const p = await pipelineFromTemplate(page, "Проверка");
  await page.goto(`/pipelines/${p.id}`);
  await page.getByTestId("test-pipeline").click();
  const confirm = page.getByTestId("confirm-test");
  await expect(confirm.getByTestId("confirm-test-host")).toHaveText([`127.0.0.1:${FAKE_PORT}`]);
  await expect(confirm).toContainText("Шаг 2 «Создать контакт»");
  await expect(confirm).toContainText("Шаг 8 «Привязать контакт к сделке»");
  await page.screenshot({ path: "e2e/artifacts/ux-test-confirm-1024.png" });
  const requestsBefore = weeek.state.requests.length;
  await confirm.getByRole("button", { name: "Отмена" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(page.getByTestId("pipeline-test")).toHaveCount(0);
  expect(weeek.state.requests.length).toBe(requestsBefore);
});

test("«Восстановить» lists added, removed and changed steps and asks", async ({ page }) => {
  const p = await pipelineFromTemplate(page, "Версии");
  // Version 2: step 8 removed and step 1 renamed (through the API, as another tab would).
  const current = (await (await page.request.get(`/api/v1/pipelines/${p.id}`)).json()).pipeline;
  const steps = current.definition.steps.slice(0, 7);
  steps[0] = { ...steps[0], name: "Контакт (новое имя)" };
  const saved = await page.request.patch(`/api/v1/pipelines/${p.id}`, { data: { definition: { ...current.definition, steps }, expectedVersion: 1 } });
  expect(saved.status(), await saved.text()).toBe(200);

  await page.goto(`/pipelines/${p.id}`);
  await page.getByRole("button", { name: "Версии" }).click();
  await page.getByTestId("versions").getByRole("listitem").filter({ hasText: "Версия 1" }).getByRole("button", { name: "Восстановить" }).click();
  const box = page.getByTestId("restore-confirm");
  await expect(box).toContainText("Восстановить версию 1?");
  await expect(box.getByTestId("restore-added")).toHaveText("Добавятся шаги: «Привязать контакт к сделке»");
  await expect(box.getByTestId("restore-changed")).toHaveText(`Изменятся шаги: «${current.definition.steps[0].name}»`);
  await expect(box.getByTestId("restore-removed")).toHaveCount(0);
  await page.screenshot({ path: "e2e/artifacts/ux-restore-1024.png" });

  // «Отмена» changes nothing; confirming saves version 1 again as version 3.
  await box.getByRole("button", { name: "Отмена" }).click();
  await expect(box).toHaveCount(0);
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 2");
  await page.getByTestId("versions").getByRole("listitem").filter({ hasText: "Версия 1" }).getByRole("button", { name: "Восстановить" }).click();
  await page.getByTestId("restore-confirm-yes").click();
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 3");
  await expect(page.getByTestId("step-node")).toHaveCount(8);
});

test("history: a GET run opens «Параметры запроса»; a failed run fixed by a re-run says so", async ({ page }) => {
  const p = await pipelineFromTemplate(page, "История");
  expect((await page.request.post(`/api/v1/pipelines/${p.id}/start`)).status()).toBe(200);
  weeek.failNext("POST /crm/contacts", 422, {
    message: "The emails.0 field must be a string.",
    errors: { "emails.0": ["The emails.0 field must be a string."] },
  });
  const hook = await page.request.get(
    `${p.webhookUrl}?client_id=7&client_phone=%2B7%20916%20123-45-67&client_name=${encodeURIComponent("Анна Иванова")}&appointment_id=9&appointment_date=2026-12-04&appointment_time=11:30&executor_name=&executor_phone=&services=&appointment_total_cost=1500&user_position=`,
  );
  expect(hook.status()).toBe(200);
  const { runId } = await hook.json();

  await page.goto(`/history/${runId}`);
  await expect(page.getByTestId("run-detail")).toHaveAttribute("data-status", "FAILED", { timeout: 30_000 });
  await expect(page.getByTestId("request-query")).toHaveAttribute("open", "");
  await expect(page.getByTestId("request-query")).toContainText("Анна Иванова");
  await expect(page.getByTestId("request-body")).toHaveCount(0);
  await expect(page.getByTestId("step-action").first()).toHaveText("JSON Компоновщик");
  await expect(page.getByTestId("step").nth(1).getByTestId("step-action")).toHaveText("HTTP-запрос");
  await expect(page.getByTestId("run-detail")).not.toContainText(/\d ms\b/);
  await page.screenshot({ path: "e2e/artifacts/ux-run-get-1024.png", fullPage: true });

  const rerun = await page.request.post(`/api/v1/runs/${runId}/rerun`, { data: { from: "start" } });
  expect(rerun.status(), await rerun.text()).toBe(201);
  const rerunId = (await rerun.json()).runId as string;
  await page.goto(`/history/${rerunId}`);
  await expect(page.getByTestId("run-detail")).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 30_000 });

  await page.goto(`/history?pipelineId=${p.id}`);
  const failedRow = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await expect(failedRow.getByTestId("fixed-by-rerun")).toHaveText("✓ исправлено повтором");
  await expect(failedRow).toContainText(/\d+ мс|\d+,\d+ с/);
  // At 1024 px «Входные данные» gets the room «Попытки» had (the count, when above 1, moves to the
  // status cell): the summary and the error under it are readable, not a word and an ellipsis.
  const attemptsHeader = page.locator("th", { hasText: /попытки/i });
  await expect(attemptsHeader).toBeHidden();
  expect((await failedRow.getByTestId("run-summary").boundingBox())!.width).toBeGreaterThan(250);
  await expect(failedRow.getByTestId("run-summary")).toContainText("Анна Иванова");
  // A run its worker had to take up again (a crash, a restart): its attempt count stays visible.
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_e2e" });
  await db.connect();
  try {
    await db.query('UPDATE "Run" SET attempts = 3 WHERE id = $1', [rerunId]);
  } finally {
    await db.end();
  }
  await page.reload();
  const rerunRow = page.locator(`[data-testid="run-row"][data-run-id="${rerunId}"]`);
  await expect(rerunRow.getByTestId("run-attempts-tag")).toHaveText("попыток: 3");
  await expect(failedRow.getByTestId("run-attempts-tag")).toHaveCount(0);
  await page.screenshot({ path: "e2e/artifacts/ux-history-1024.png" });
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(attemptsHeader).toBeVisible();
  await expect(rerunRow.getByTestId("run-attempts-tag")).toBeHidden();
  await page.screenshot({ path: "e2e/artifacts/ux-history-1440.png" });
  await page.setViewportSize({ width: 1024, height: 768 });
  await failedRow.getByTestId("fixed-by-rerun").click();
  await expect(page).toHaveURL(new RegExp(`/history/${rerunId}$`));
});
