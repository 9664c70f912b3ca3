// A newcomer's first hour, counted: from the register page to a SUCCEEDED run of the
// «Клиентикс → Weeek» template, every click/check/select goes through `act`, which counts it
// (typing is not counted). The Klientiks event is sent to the address the wizard shows, with the
// placeholders filled in as Klientiks fills them. Screenshots go to docs/img for the guide's
// «Первый запуск» (docs/klientiks-weeek.md).
import { test, expect, request as pwRequest, type Locator } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { PASSWORD, uniqueEmail } from "../test/support/e2e-helpers";

const TOKEN = "weeek-first-hour-token-51c2";
const MAX_CLICKS = 8;
let weeek: FakeWeeek;

test.use({ viewport: { width: 1024, height: 768 } });
test.beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await weeek?.close();
});

/** «Запись клиента на прием» as Klientiks substitutes it: spaces in the phone, quotes, emoji. */
const APPOINTMENT: Record<string, string> = {
  "client.id": "40213",
  "client.phone": "+7 916 123-45-67",
  "client.name": "Анна «Аня» Иванова 💇‍♀️",
  "appointment.id": "88105",
  "appointment.date": "2026-12-04",
  "appointment.time": "11:30",
  executor_name: "Ольга Петрова",
  executor_phone: "89031112233",
  services: 'Стрижка "Каскад", укладка',
  "appointment.total_cost": "2300",
  "user.position": "Администратор",
};

test("register → template → first Klientiks event → SUCCEEDED in at most 8 clicks", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  let clicks = 0;
  const log: string[] = [];
  const act = async (what: string, target: Locator, how: "click" | "check" | { select: string } = "click") => {
    clicks++;
    log.push(what);
    if (how === "click") await target.click();
    else if (how === "check") await target.check();
    else await target.selectOption(how.select);
  };

  // Register (typing only, then one click).
  await page.goto("/register");
  await page.getByLabel("Эл. почта").fill(uniqueEmail("first"));
  await page.getByLabel("Пароль").fill(PASSWORD);
  await page.screenshot({ path: "docs/img/first-1-register.png" });
  await act("Зарегистрироваться", page.getByRole("button", { name: "Зарегистрироваться" }));
  await expect(page).toHaveURL(/\/pipelines$/);

  // The wizard: template and event are already the usual ones.
  await act("Создать из шаблона", page.getByTestId("create-from-template"));
  await expect(page.getByTestId("template-klientiks-weeek-deal").getByRole("radio")).toBeChecked();
  await expect(page.getByLabel("Событие Клиентикс")).toHaveValue("appointment_created");
  await page.screenshot({ path: "docs/img/first-2-template.png", fullPage: true });
  await act("Далее", page.getByRole("button", { name: "Далее" }));

  await page.getByTestId("template-secret").fill(TOKEN);
  await page.screenshot({ path: "docs/img/first-3-token.png", fullPage: true });
  await act("Далее (токен)", page.getByRole("button", { name: "Далее" }));

  // One funnel: chosen; its first status (where new deals go) is preselected; «Запустить сразу» on.
  const funnel = weeek.state.funnels[0];
  await expect(page.getByLabel("Воронка", { exact: true })).toHaveValue(funnel.id);
  await expect(page.getByLabel("Статус", { exact: true })).toHaveValue(funnel.statuses[0].id);
  await expect(page.getByTestId("wizard-launch")).toBeChecked();
  await page.screenshot({ path: "docs/img/first-4-status.png", fullPage: true });
  await act("Создать обработку", page.getByTestId("wizard-create"));

  // The Klientiks address with a copy button, and «Ждём первое событие…».
  await expect(page.getByRole("status").filter({ hasText: "создана" })).toContainText("запущена");
  const firstRun = page.getByTestId("first-run");
  await expect(firstRun).toHaveAttribute("data-status", "WAITING");
  await expect(firstRun).toContainText("Ждём первое событие…");
  await act("Копировать", page.getByTestId("copy-klientiks-url"));
  await expect(page.getByText("Скопировано")).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  await expect(page.getByTestId("klientiks-url")).toHaveValue(copied);
  await page.screenshot({ path: "docs/img/first-5-waiting.png", fullPage: true });

  // Klientiks fills the placeholders in and calls the address (GET, as its webhooks do).
  const eventUrl = copied.replace(/\{\{([^}]+)\}\}/g, (_, key: string) => {
    expect(APPOINTMENT, `value for {{${key}}}`).toHaveProperty([key]);
    return encodeURIComponent(APPOINTMENT[key]);
  });
  expect(eventUrl.startsWith(`${baseURL}/hooks/`), eventUrl).toBe(true);
  const klientiks = await pwRequest.newContext();
  const hook = await klientiks.get(eventUrl);
  expect(hook.status(), await hook.text()).toBe(200);
  await klientiks.dispose();

  // The waiting line turns into the first run's result, without a reload.
  await expect(firstRun).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 60_000 });
  await expect(firstRun).toContainText("Первое событие обработано");
  await page.screenshot({ path: "docs/img/first-6-succeeded.png", fullPage: true });
  await act("Открыть результат", page.getByTestId("first-run-link"));
  await expect(page.getByTestId("run-detail")).toHaveAttribute("data-status", "SUCCEEDED");
  await page.screenshot({ path: "docs/img/first-7-run.png", fullPage: true });

  // What reached Weeek: contact, deal in the preselected status, the link between them.
  expect(weeek.state.links).toHaveLength(1);
  expect(weeek.state.contacts[0]).toMatchObject({ firstName: APPOINTMENT["client.name"] });
  expect(weeek.state.deals[0]).toMatchObject({ statusId: funnel.statuses[0].id, amount: 2300 });

  expect(clicks, log.join(" → ")).toBeLessThanOrEqual(MAX_CLICKS);
  test.info().annotations.push({ type: "clicks", description: `${clicks}: ${log.join(" → ")}` });
  console.log(`first hour: ${clicks} clicks — ${log.join(" → ")}`);
});
