// The wizard offers the amoCRM, Битрикс24 and Telegram templates, asks each for its own secret and
// inputs (checked before «Создать»), and a created amoCRM pipeline delivers a Klientiks event to
// the fake amoCRM through the real server and worker.
import { test, expect, request as pwRequest } from "@playwright/test";
import { FAKE_PORT } from "../playwright.config";
import { startFakeAmo, type FakeAmo } from "../test/support/fakes/amocrm";
import { registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

const TOKEN = "amo-e2e-long-lived-token-5b1e";
let amo: FakeAmo;

test.beforeAll(async () => {
  amo = await startFakeAmo({ token: TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await amo?.close();
});

test("wizard: three destination templates, their inputs, an amoCRM pipeline that delivers", async ({ page }) => {
  await registerViaUi(page, uniqueEmail("dest"));
  await page.getByTestId("create-from-template").click();
  await expect(page.getByTestId("template-klientiks-amocrm-lead")).toContainText("Клиентикс → amoCRM: сделка с контактом");
  await expect(page.getByTestId("template-klientiks-bitrix24-lead")).toContainText("Клиентикс → Битрикс24: лид");
  await expect(page.getByTestId("template-klientiks-telegram-message")).toContainText("Клиентикс → Telegram: сообщение");

  // Telegram asks for a bot token, a chat id and the formatting; a bad chat id is refused here.
  await page.getByTestId("template-klientiks-telegram-message").click();
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByLabel("Токен бота Telegram")).toBeVisible();
  await expect(page.getByLabel("Оформление")).toHaveValue("HTML");
  await page.getByTestId("template-secret").fill("123456789:AAHabcdefghijklmnopqrstuvwxyz");
  await page.getByLabel("ID чата").fill("мой чат");
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByTestId("wizard-error")).toContainText("ID чата — число");
  await page.getByRole("button", { name: "Назад" }).click();

  // Битрикс24: the webhook address is the secret, and must look like one.
  await page.getByTestId("template-klientiks-bitrix24-lead").click();
  await page.getByRole("button", { name: "Далее" }).click();
  await page.getByTestId("template-secret").fill("https://b24-x.bitrix24.ru/crm/lead/");
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByTestId("wizard-error")).toContainText("Адрес вебхука Битрикс24 должен выглядеть так");
  await page.getByRole("button", { name: "Назад" }).click();

  // amoCRM: token and account address → three steps → created.
  await page.getByTestId("template-klientiks-amocrm-lead").click();
  await expect(page.getByLabel("Название обработки")).toHaveValue("Клиентикс → amoCRM: сделка с контактом");
  await page.getByRole("button", { name: "Далее" }).click();
  await page.getByTestId("template-secret").fill(TOKEN);
  await expect(page.getByLabel("Название ключа доступа")).toHaveValue("amoCRM токен");
  await page.getByLabel("Адрес amoCRM").fill(`http://127.0.0.1:${FAKE_PORT}`);
  await page.getByRole("button", { name: "Далее" }).click();
  await expect(page.getByText("из 3 шагов")).toBeVisible();
  await page.getByTestId("wizard-create").click();
  await expect(page.getByText("Обработка «Клиентикс → amoCRM: сделка с контактом» создана.")).toBeVisible();
  const klientiksUrl = await page.getByTestId("klientiks-url").inputValue();

  await page.getByTestId("open-created-pipeline").click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  const pipelineId = page.url().split("/").pop()!;
  const saved = (await (await page.request.get(`/api/v1/pipelines/${pipelineId}`)).json()).pipeline;
  expect(JSON.stringify(saved.definition)).not.toContain(TOKEN);
  expect(saved.definition.steps[1].config.url).toBe(`http://127.0.0.1:${FAKE_PORT}/api/v4/leads/complex`);
  expect((await page.request.post(`/api/v1/pipelines/${pipelineId}/start`)).status()).toBe(200);

  const values: Record<string, string> = {
    "client.id": "7",
    "client.phone": "+79161234567",
    "client.name": `Анна "Ромашка" О'Нил`,
    "appointment.id": "501",
    "appointment.date": "2025-03-14",
    "appointment.time": "15:30",
    executor_name: "Ольга",
    executor_phone: "+79031112233",
    services: "Стрижка",
    "appointment.total_cost": "2500",
    "user.position": "Администратор",
  };
  const eventUrl = klientiksUrl.replace(/\{\{([^}]+)\}\}/g, (_, key: string) => encodeURIComponent(values[key]));
  const anon = await pwRequest.newContext();
  expect((await anon.get(eventUrl)).status()).toBe(200);
  await expect.poll(() => amo.leads.length, { timeout: 30_000 }).toBe(1);
  expect(amo.leads[0]).toMatchObject({ name: `Запись 2025-03-14 15:30: Анна "Ромашка" О'Нил`, price: 2500 });
  expect(amo.contacts[0]).toMatchObject({ first_name: `Анна "Ромашка" О'Нил` });
});
