// Alert settings: recipients with validation, the test e-mail through a real SMTP exchange (a sink
// on the port the web server's SMTP_URL points at), and the readable error once it is gone.
import { test, expect } from "@playwright/test";
import { SMTP_PORT } from "../playwright.config";
import { startSmtpSink, type SmtpSink } from "../test/support/fakes/smtp-sink";
import { registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

let sink: SmtpSink | null = null;

test.afterEach(async () => {
  await sink?.close();
  sink = null;
});

test("alert settings: recipients, test e-mail success with the sink and a readable error without it", async ({ page }) => {
  sink = await startSmtpSink(SMTP_PORT);
  const email = uniqueEmail("alerts");
  await registerViaUi(page, email);
  const name = `Оповещения ${Date.now()}`;
  const created = await page.request.post("/api/v1/pipelines", { data: { name } });
  expect(created.status()).toBe(201);
  const { pipeline } = await created.json();

  await page.goto(`/pipelines/${pipeline.id}/settings`);
  await expect(page.getByRole("heading", { name: "Уведомления об ошибках" })).toBeVisible();
  await expect(page.getByTestId("pipeline-name")).toHaveText(name);
  await expect(page.getByText("Писем пока не было")).toBeVisible();

  const recipients = page.getByLabel("Дополнительные получатели");
  await recipients.fill("ops@example.test\nне-адрес");
  await page.getByTestId("alert-settings").getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByText("Неверные адреса: не-адрес")).toBeVisible();

  await recipients.fill("ops@example.test, team@example.test");
  await page.getByLabel("Окно группировки, минут").fill("5");
  await page.getByLabel("Присылать письма об ошибках").uncheck();
  await page.getByTestId("alert-settings").getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByText("Настройки сохранены")).toBeVisible();
  const saved = await (await page.request.get(`/api/v1/pipelines/${pipeline.id}`)).json();
  expect(saved.pipeline.settings).toMatchObject({
    alertsEnabled: false,
    alertRecipients: ["ops@example.test", "team@example.test"],
    alertThrottleMinutes: 5,
  });
  await page.reload();
  await expect(recipients).toHaveValue("ops@example.test\nteam@example.test");
  await expect(page.getByLabel("Присылать письма об ошибках")).not.toBeChecked();

  // With the sink listening: success, and the message really arrived.
  await page.getByRole("button", { name: "Отправить тестовое письмо" }).click();
  const result = page.getByTestId("test-email-result");
  await expect(result).toHaveAttribute("data-ok", "true");
  await expect(result).toContainText("Тестовое письмо отправлено");
  await expect.poll(() => sink!.messages.length).toBe(1);
  const msg = sink.messages[0];
  expect(msg.to.sort()).toEqual([email, "ops@example.test", "team@example.test"].sort());
  expect(msg.mail.subject).toBe(`Hookflow: тестовое письмо для обработки «${name}»`);
  expect(msg.mail.text).toContain(`/pipelines/${pipeline.id}/settings`);
  await expect(page.getByTestId("notification-row")).toHaveCount(1);
  await expect(page.getByTestId("notification-row").first()).toContainText("Отправлено");

  // Without it: a readable SMTP error, recorded as a failed notification.
  await sink.close();
  sink = null;
  await page.getByRole("button", { name: "Отправить тестовое письмо" }).click();
  await expect(result).toHaveAttribute("data-ok", "false");
  await expect(result).toContainText("Письмо не отправлено. SMTP-сервер недоступен");
  await expect(result).toContainText("ECONNREFUSED");
  await expect(page.getByTestId("notification-row")).toHaveCount(2);
  const failedRow = page.locator('[data-testid="notification-row"][data-status="FAILED"]');
  await expect(failedRow).toContainText("Не отправлено");
  await expect(failedRow).toContainText("ECONNREFUSED");

  const list = await (await page.request.get(`/api/v1/pipelines/${pipeline.id}/notifications`)).json();
  expect(list.notifications.map((n: { kind: string; status: string }) => [n.kind, n.status])).toEqual([
    ["TEST", "FAILED"],
    ["TEST", "SENT"],
  ]);
});
