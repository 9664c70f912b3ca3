// Flow control as a new user builds it: «Фильтр» → «Условие» with two branches, one of them with
// a «Задержка», on the canvas; then events that take each path and one that is filtered, and
// what the История операций shows for each (path, skipped steps, «Отфильтровано», «Ожидает до»).
import { test, expect, type Locator, type Page } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeServer, type FakeServer } from "../test/support/fakes/http-fake";
import { registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

test.use({ viewport: { width: 1440, height: 900 } });

/** The «Задержка» of the regular-client branch. */
const WAIT_SECONDS = 20;

let dest: FakeServer;
test.beforeAll(async () => {
  // A CRM-like destination: answers 201 with an id.
  let id = 500;
  dest = await startFakeServer(() => ({ status: 201, body: { id: id++ } }), FAKE_PORT);
});
test.afterAll(async () => {
  await dest?.close();
});

const panel = (page: Page) => page.getByTestId("editor-panel");
const pickerButtonOf = (input: Locator) => input.locator("xpath=following-sibling::button[1]");

async function pick(page: Page, opener: Locator, search: string, item: RegExp) {
  await opener.click();
  const picker = page.getByTestId("field-picker");
  await picker.getByRole("textbox").fill(search);
  await picker.getByRole("button", { name: item }).click();
  await expect(picker).toHaveCount(0);
}

async function addAt(page: Page, end: Locator, type: string, name: string) {
  // The open step panel narrows the canvas: fit the graph into what is left first.
  await page.getByRole("button", { name: "Показать всё" }).click();
  await end.click();
  await page.getByTestId("palette").locator(`[data-action-type="${type}"]`).click();
  await expect(page.getByTestId("step-panel")).toBeVisible();
  await panel(page)
    .getByLabel(/^(Название шага|Step name)$/)
    .fill(name);
}

async function httpPost(page: Page, path: string) {
  const p = panel(page);
  await p.getByLabel("Адрес", { exact: true }).fill(`http://127.0.0.1:${FAKE_PORT}${path}`);
  await p.getByTestId("json-editor").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.type('{"phone": "');
  await pick(page, p.getByRole("button", { name: "+ Вставить поле" }), "client_phone", /^client_phone/);
  await page.keyboard.type('"}');
}

test("Фильтр → Условие with two branches and a Задержка: each path, skipped steps and «Отфильтровано» in the history", async ({ page, request }) => {
  test.setTimeout(240_000);
  await registerViaUi(page, uniqueEmail("flow"));
  await page.getByTestId("create-pipeline").click();
  await page.getByLabel("Название обработки").fill("Записи Клиентикс");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("pipeline-name")).toHaveText("Записи Клиентикс");
  const hookUrl = await page.getByTestId("webhook-url").inputValue();
  const sample = "?client_phone=%2B7%20(916)%20123-45-67&client_name=Анна%20«Аня»%20Иванова&status=записан&visits=0";
  expect((await request.get(hookUrl + sample)).status()).toBe(200);
  await page.getByTestId("fetch-fields").click();
  await expect(page.getByTestId("source-fields")).toContainText("visits");

  // 1. «Фильтр»: only appointments that are not cancelled.
  await addAt(page, page.getByTestId("add-step-end"), "filter", "Не отменена");
  let p = panel(page);
  await pick(page, pickerButtonOf(p.getByLabel("Поле 1.1")), "status", /^status/);
  await p.getByLabel("Оператор 1.1").selectOption({ label: "не равно" });
  await p.getByLabel("Значение 1.1").fill("отменена");
  await expect(page.getByTestId("step-node").nth(0)).toContainText("status не равно отменена");

  // 2. «Условие»: a new client (no visits yet) or «Иначе» (a regular one).
  await addAt(page, page.getByTestId("add-step-end"), "condition", "Кто записался");
  p = panel(page);
  await p.getByLabel("Название ветки 1").fill("Новый клиент");
  await pick(page, pickerButtonOf(p.getByLabel("Поле 1:1.1")), "visits", /^visits/);
  await p.getByLabel("Оператор 1:1.1").selectOption({ label: "равно" });
  await p.getByLabel("Сравнивать как 1:1.1").selectOption({ label: "Число" });
  await p.getByLabel("Значение 1:1.1").fill("0");
  await p.getByLabel("Название ветки «Иначе»").fill("Постоянный клиент");
  // One handle per branch, each open end labelled.
  const cond = page.getByTestId("step-node").nth(1);
  await expect(cond.getByTestId("branch-handle")).toHaveCount(2);
  await expect(page.getByTestId("edge-label").filter({ hasText: "Новый клиент" })).toBeVisible();
  await expect(page.getByTestId("edge-label").filter({ hasText: "Постоянный клиент" })).toBeVisible();

  // 3. Branch «Новый клиент»: a welcome request.
  await addAt(page, page.locator('[data-testid="add-step-end"][data-branch="b1"]'), "http-request", "Приветствие");
  await httpPost(page, "/welcome");

  // 4. Branch «Постоянный клиент»: wait, then remind.
  await addAt(page, page.locator('[data-testid="add-step-end"][data-branch="else"]'), "delay", "Подождать");
  p = panel(page);
  // Long enough for the history to show the run waiting on a busy machine; when the reminder went
  // out is checked against the time it was due, not against how fast the test got there.
  await p.getByLabel("Сколько ждать").fill(String(WAIT_SECONDS));
  await p.getByLabel("Единица", { exact: true }).selectOption({ label: "секунд" });
  const delayNode = page.locator('[data-testid="step-node"]', { hasText: "Подождать" });
  await expect(delayNode).toContainText(`ждать ${WAIT_SECONDS} с`);
  const delayId = await delayNode.getAttribute("data-step-id");
  await addAt(page, page.locator(`[data-testid="add-step-end"][data-from="${delayId}"]`), "http-request", "Напоминание");
  await httpPost(page, "/remind");

  await expect(page.locator('[data-testid="step-node"][data-invalid]')).toHaveCount(0);
  await expect(page.getByTestId("step-node")).toHaveCount(5);
  await page.getByTestId("canvas").click({ position: { x: 5, y: 5 } });
  await page.getByRole("button", { name: "Показать всё" }).click();
  await page.screenshot({ path: "e2e/artifacts/flow-canvas.png" });

  // «Проверить шаг» on the condition with the captured sample: the branch it would take.
  await cond.click();
  await page.getByTestId("test-step").click();
  await expect(panel(page).getByTestId("step-result")).toHaveAttribute("data-status", "succeeded");
  await expect(panel(page).getByTestId("step-result")).toContainText("Новый клиент");
  await page.screenshot({ path: "e2e/artifacts/flow-condition-form.png" });

  await page.getByTestId("save").click();
  await expect(page.getByTestId("unsaved")).toBeHidden();
  await page.getByTestId("start").click();
  await expect(page.locator("header [data-status]")).toHaveAttribute("data-status", "RUNNING");

  // Three events: a new client, a regular one (waits), a cancelled appointment (filtered).
  const send = async (q: string) => ((await (await request.get(hookUrl + q)).json()) as { runId: string }).runId;
  const newRun = await send("?client_phone=%2B79161112233&client_name=Ольга&status=записан&visits=0");
  const regularSentAt = Date.now();
  const regularRun = await send("?client_phone=%2B79035550011&client_name=Пётр%20Смирнов&status=Записан&visits=12");
  const cancelledRun = await send("?client_phone=%2B79990000000&client_name=Ирина&status=Отменена&visits=3");

  await page.goto(`/history`);
  const row = (id: string) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
  await expect(row(newRun)).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 30_000 });
  await expect(row(cancelledRun)).toHaveAttribute("data-status", "FILTERED", { timeout: 30_000 });
  await expect(row(cancelledRun).getByTestId("run-status")).toHaveText(/Отфильтровано/);
  await expect(row(regularRun)).toHaveAttribute("data-status", "WAITING", { timeout: 30_000 });
  await expect(row(regularRun).getByTestId("run-waiting")).toHaveText(/^Ожидает до \d{2}:\d{2}$/);
  await page.screenshot({ path: "e2e/artifacts/flow-history-waiting.png" });

  // The waiting run goes on by itself once its time has come.
  await expect(row(regularRun)).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 60_000 });
  expect(dest.requests.filter((r) => r.path === "/welcome").map((r) => (r.body as { phone: string }).phone)).toEqual(["+79161112233"]);
  const reminders = dest.requests.filter((r) => r.path === "/remind");
  expect(reminders.map((r) => (r.body as { phone: string }).phone)).toEqual(["+79035550011"]);
  // Not before its time: the «Задержка» began after the event was sent.
  expect(reminders[0].receivedAt).toBeGreaterThanOrEqual(regularSentAt + WAIT_SECONDS * 1000);

  // The status filter has «Отфильтровано».
  await expect(page.locator("option", { hasText: "Отфильтровано" })).toHaveCount(1);
  await page.goto(`/history?status=FILTERED`);
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(row(cancelledRun)).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/flow-history-filtered.png" });

  // Each run's path and skipped steps.
  const steps = (s: string) => page.getByTestId("step").and(page.locator(`[data-status="${s}"]`));
  await page.goto(`/history/${newRun}`);
  await expect(page.getByTestId("run-path")).toHaveText("Путь: Не отменена → Кто записался (Новый клиент) → Приветствие");
  await expect(steps("SKIPPED")).toHaveCount(2);
  await expect(page.locator('[data-testid="step"][data-status="SKIPPED"]').first()).toContainText("Пропущен");
  await page.getByTestId("step").last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/flow-run-new.png" });

  await page.goto(`/history/${regularRun}`);
  await expect(page.getByTestId("run-path")).toHaveText("Путь: Не отменена → Кто записался (Постоянный клиент) → Подождать → Напоминание");
  await expect(steps("SKIPPED")).toHaveCount(1);
  await expect(page.locator('[data-testid="step"][data-status="SKIPPED"]')).toContainText("Приветствие");
  await page.getByTestId("step").last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/flow-run-regular.png" });

  await page.goto(`/history/${cancelledRun}`);
  await expect(page.getByTestId("run-filtered")).toBeVisible();
  await expect(page.getByTestId("run-path")).toHaveText("Путь: Не отменена");
  await expect(steps("SKIPPED")).toHaveCount(4);
  await page.getByTestId("step").last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/flow-run-filtered.png" });
});
