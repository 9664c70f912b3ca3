// Builds the seed's Klientiks → Weeek pipeline (seed/klientiks-to-weeek.ru.txt) through the UI
// only, against the fake Weeek API, and checks that a live event reaches it through the worker.
import { test, expect, request as pwRequest, type Locator, type Page } from "@playwright/test";
import pg from "pg";
import { FAKE_PORT } from "../playwright.config";
import { startFakeWeeek, type FakeWeeek } from "../test/support/fakes/weeek";
import { apiUser, clickOnCanvas, registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

const WEEEK_TOKEN = "weeek-e2e-token-7f3a9c";
const EVENT_1 =
  "?client_id=101&client_phone=%2B79161234567&client_name=Анна%20Иванова&client_first_name=Анна&client_second_name=Иванова&client_email=anna%40example.ru";
const EVENT_2 =
  "?client_id=102&client_phone=%2B79035550011&client_name=Пётр%20Смирнов&client_first_name=Пётр&client_second_name=Смирнов&client_email=petr%40example.ru";

test.use({ viewport: { width: 1440, height: 900 } });

let fake: FakeWeeek;
test.beforeAll(async () => {
  fake = await startFakeWeeek({ token: WEEEK_TOKEN, port: FAKE_PORT });
});
test.afterAll(async () => {
  await fake?.close();
});

const panel = (page: Page) => page.getByTestId("editor-panel");

async function addAction(page: Page, type: string, name: string) {
  await clickOnCanvas(page, page.getByTestId("add-step-end"));
  await page.getByTestId("palette").locator(`[data-action-type="${type}"]`).click();
  await expect(page.getByTestId("step-panel")).toBeVisible();
  await panel(page)
    .getByLabel(/^(Название шага|Step name)$/)
    .fill(name);
}

/** Opens the picker next to `opener`, searches and picks `item` (optionally within a step's group). */
async function pick(page: Page, opener: Locator, search: string, item: RegExp, group?: RegExp) {
  await opener.click();
  const picker = page.getByTestId("field-picker");
  await picker.getByRole("textbox").fill(search);
  const scope = group ? picker.getByRole("group", { name: group }) : picker;
  await scope.getByRole("button", { name: item }).click();
  await expect(picker).toHaveCount(0);
}

const pickerButtonOf = (input: Locator) => input.locator("xpath=following-sibling::button[1]");

async function typeJson(page: Page, editor: Locator, text: string) {
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
}

/** A JSON template typed into CodeMirror with fields picked between the literal parts. */
async function composeJson(page: Page, parts: (string | { search: string; item: RegExp; group?: RegExp })[]) {
  const p = panel(page);
  const editor = p.getByTestId("json-editor");
  await typeJson(page, editor, "");
  for (const part of parts) {
    if (typeof part === "string") await page.keyboard.type(part);
    else await pick(page, p.getByRole("button", { name: "+ Вставить поле" }), part.search, part.item, part.group);
  }
}

async function authorizationHeader(page: Page) {
  const p = panel(page);
  await p.getByRole("button", { name: "+ Добавить заголовок" }).click();
  await p.getByLabel("Заголовок 2").fill("Authorization");
  const value = p.getByLabel("Значение 2");
  await value.fill("Bearer ");
  await pick(page, pickerButtonOf(value), "Weeek", /^Weeek токен/);
  await expect(value).toHaveValue('Bearer {{credentials["Weeek токен"]}}');
}

async function httpStep(
  page: Page,
  name: string | null,
  url: string,
  bodyFrom: RegExp,
  urlTail?: { search: string; item: RegExp; group: RegExp; after: string },
) {
  if (name) await addAction(page, "http-request", name);
  const p = panel(page);
  const urlInput = p.getByLabel("Адрес", { exact: true });
  await urlInput.fill(url);
  if (urlTail) {
    await pick(page, pickerButtonOf(urlInput), urlTail.search, urlTail.item, urlTail.group);
    await expect(urlInput).toBeFocused();
    await page.keyboard.type(urlTail.after);
  }
  await authorizationHeader(page);
  await pick(page, p.getByRole("button", { name: "+ Вставить поле" }), "Результат", /^Результат/, bodyFrom);
}

async function parserStep(page: Page, name: string, from: RegExp, outName: string, path: string) {
  await addAction(page, "json-parser", name);
  const p = panel(page);
  await pick(page, pickerButtonOf(p.getByLabel("JSON (откуда брать)")), "Содержимое", /^Содержимое ответа/, from);
  await p.getByLabel("Имя 1").fill(outName);
  await p.getByLabel("Путь 1").fill(path);
  await p.getByLabel("Путь 1").blur();
}

test("builds the Klientiks → Weeek pipeline through the editor and runs it", async ({ page, request }) => {
  test.setTimeout(240_000);
  const statusId = fake.state.funnels[0].statuses[0].id;
  const weeek = `http://127.0.0.1:${FAKE_PORT}/public/v1/crm`;

  await registerViaUi(page, uniqueEmail("editor"));
  await page.getByTestId("create-pipeline").click();
  await page.getByLabel("Название обработки").fill("Клиентикс → Weeek");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("pipeline-name")).toHaveText("Клиентикс → Weeek");
  const pipelineId = page.url().split("/pipelines/")[1];

  // Source: the webhook URL shown on the page receives Klientiks' «Добавление клиента».
  await expect(page.getByTestId("source-node")).toBeVisible();
  const hookUrl = await page.getByTestId("webhook-url").inputValue();
  expect(hookUrl).toContain("/hooks/");
  const sent = await request.get(hookUrl + EVENT_1);
  expect(sent.status()).toBe(200);
  await page.getByTestId("fetch-fields").click();
  const fields = page.getByTestId("source-fields");
  await expect(fields).toContainText("client_phone");
  await expect(fields).toContainText("+79161234567");
  await expect(fields).toContainText("Анна Иванова");
  await expect(page.getByTestId("unsaved")).toBeHidden();

  // Credential in settings: listed by name and hint, never the secret.
  await page.getByRole("link", { name: "Настройки" }).click();
  const creds = page.getByTestId("credentials");
  await creds.getByLabel("Название ключа").fill("Weeek токен");
  await creds.getByLabel("Значение (секрет)").fill(WEEEK_TOKEN);
  await creds.getByRole("button", { name: "Добавить ключ" }).click();
  await expect(creds.getByTestId("credential-row")).toContainText("Weeek токен");
  await expect(page.locator("body")).not.toContainText(WEEEK_TOKEN);
  await page.screenshot({ path: "e2e/artifacts/editor-credentials.png", fullPage: true });
  await page.goto(`/pipelines/${pipelineId}`);

  // 1. Contact data.
  await addAction(page, "json-composer", "Данные контакта");
  await composeJson(page, [
    '{"firstName": "',
    { search: "client_first_name", item: /^client_first_name/ },
    '", "lastName": "',
    { search: "client_second_name", item: /^client_second_name/ },
    '", "emails": ["',
    { search: "client_email", item: /^client_email/ },
    '"], "phones": ["',
    { search: "client_phone", item: /^client_phone/ },
    '"]}',
  ]);
  await expect(panel(page).locator("[data-chip]").first()).toHaveText("Источник › client_first_name");

  // 2. Create the contact; «Проверить шаг» runs step 1 first and really creates it in Weeek.
  // A fresh HTTP step has no body yet, but shows no errors until touched or saved; «Запустить»
  // lists what to fix, by the field's label, and from then on the node says so too.
  await addAction(page, "http-request", "Создать контакт");
  await expect(page.getByTestId("step-node").nth(1)).not.toHaveAttribute("data-invalid", "true");
  await expect(panel(page).getByTestId("field-error")).toHaveCount(0);
  await page.getByTestId("start").click();
  await expect(page.getByTestId("issues")).toContainText("Шаг 2 «Создать контакт»: «Тело запроса» — обязательное поле");
  await expect(page.getByTestId("issues")).not.toContainText("bodyJson");
  await expect(page.getByTestId("step-node").nth(1)).toHaveAttribute("data-invalid", "true");
  await expect(page.getByTestId("step-node").nth(1).getByTestId("node-error")).toContainText("обязательное поле");
  await clickOnCanvas(page, page.getByTestId("step-node").nth(1));
  await httpStep(page, null, `${weeek}/contacts`, /^Шаг 1/);
  await expect(page.getByTestId("step-node").nth(1)).not.toHaveAttribute("data-invalid", "true");
  await expect(page.getByTestId("step-node").nth(1)).toContainText("POST 127.0.0.1");
  await page.screenshot({ path: "e2e/artifacts/editor-http-step.png" });
  await page.getByTestId("test-step").click();
  await expect(panel(page).getByTestId("step-result")).toHaveAttribute("data-status", "succeeded");
  await expect(panel(page).getByTestId("step-result")).toContainText('"firstName": "Анна"');
  expect(fake.state.contacts).toHaveLength(1);
  expect(fake.state.contacts[0]).toMatchObject({ firstName: "Анна", lastName: "Иванова", emails: ["anna@example.ru"], phones: ["+79161234567"] });

  // 3. Contact id.
  await parserStep(page, "ID контакта", /^Шаг 2/, "id контакта", '["contact"]["id"]');

  // 4. Deal data: typed fields, amount as a number, Weeek's field `title`.
  await addAction(page, "json-composer", "Данные сделки");
  const p = panel(page);
  await p.getByLabel("Режим").selectOption({ label: "Поля с типами" });
  for (let i = 0; i < 3; i++) await p.getByRole("button", { name: "+ Добавить поле" }).click();
  await p.getByLabel("Ключ 1").fill("title");
  await p.getByLabel("Значение 1").fill("Новый клиент: ");
  await pick(page, pickerButtonOf(p.getByLabel("Значение 1")), "client_name", /^client_name/);
  await p.getByLabel("Тип 1").selectOption({ label: "Строка" });
  await p.getByLabel("Ключ 2").fill("status_id");
  await p.getByLabel("Значение 2").fill(statusId);
  await p.getByLabel("Ключ 3").fill("amount");
  await p.getByLabel("Значение 3").fill("1500");
  await p.getByLabel("Тип 3").selectOption({ label: "Число" });

  // 5–6. Create the deal in the funnel status, take its id.
  await httpStep(page, "Создать сделку", `${weeek}/statuses/${statusId}/deals`, /^Шаг 4/);
  await parserStep(page, "ID сделки", /^Шаг 5/, "id сделки", '["deal"]["id"]');

  // 7–8. Link the contact to the deal.
  await addAction(page, "json-composer", "Привязка контакта");
  await composeJson(page, ['{"contactId": "', { search: "id контакта", item: /^id контакта/, group: /^Шаг 3/ }, '"}']);
  await httpStep(page, "Привязать контакт к сделке", `${weeek}/deals/`, /^Шаг 7/, {
    search: "id сделки",
    item: /^id сделки/,
    group: /^Шаг 6/,
    after: "/contacts",
  });
  await expect(page.getByTestId("step-node")).toHaveCount(8);
  await expect(page.locator('[data-testid="step-node"][data-invalid]')).toHaveCount(0);
  // The node summary reads tokens as labels: the link URL takes the deal id from step 6.
  await expect(page.getByTestId("step-node").nth(7)).toContainText("[Шаг 6 ›");
  await expect(page.getByTestId("unsaved")).toBeVisible();

  // Chips in plain inputs: the URL reads «… › id сделки» when not focused.
  await expect(panel(page).locator("[data-field=url] [data-chip]")).toHaveText("Шаг 6 › id сделки");
  await page.screenshot({ path: "e2e/artifacts/editor-link-step.png" });

  // «Проверить обработку»: the whole chain on the sample, each step's output inline.
  // It asks first, naming the host it will really call.
  await page.getByTestId("test-pipeline").click();
  await expect(page.getByTestId("confirm-test-host")).toHaveText([`127.0.0.1:${FAKE_PORT}`]);
  expect(fake.state.links).toHaveLength(0);
  await page.getByTestId("confirm-test-run").click();
  await expect(page.getByTestId("pipeline-test")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("pipeline-test").getByTestId("step-result")).toHaveCount(8);
  await expect(page.getByTestId("node-output")).toHaveCount(8);
  expect(fake.state.links).toHaveLength(1);
  await page.getByRole("button", { name: "Показать всё" }).click();
  await page.screenshot({ path: "e2e/artifacts/editor-canvas.png" });

  // Save → a new version; start.
  await page.getByTestId("save").click();
  await expect(page.getByTestId("unsaved")).toBeHidden();
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 2");
  await page.getByTestId("start").click();
  await expect(page.locator("header [data-status]")).toHaveAttribute("data-status", "RUNNING");

  // Versions: who/when, current marked.
  await page.getByRole("button", { name: "Версии" }).click();
  await expect(page.getByTestId("versions").getByRole("listitem")).toHaveCount(2);
  await expect(page.getByTestId("versions")).toContainText("текущая");

  // A live event goes through the worker into Weeek.
  const contactsBefore = fake.state.contacts.length;
  const live = await request.get(hookUrl + EVENT_2);
  expect(live.status()).toBe(200);
  const { runId } = await live.json();
  await expect.poll(() => fake.state.links.length, { timeout: 60_000 }).toBe(2);
  const contact = fake.state.contacts[contactsBefore];
  expect(contact).toMatchObject({ firstName: "Пётр", lastName: "Смирнов", phones: ["+79035550011"], emails: ["petr@example.ru"] });
  const deal = fake.state.deals[fake.state.deals.length - 1];
  expect(deal).toMatchObject({ title: "Новый клиент: Пётр Смирнов", amount: 1500, statusId });
  expect(typeof deal.amount).toBe("number");
  expect(fake.state.links[1]).toEqual({ dealId: deal.id, contactId: contact.id });
  const dealRequest = fake.state.requests.filter((r) => r.path.endsWith("/deals")).pop()!;
  expect(dealRequest.headers.authorization).toBe(`Bearer ${WEEEK_TOKEN}`);

  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_e2e" });
  await db.connect();
  try {
    await expect.poll(async () => (await db.query('SELECT status FROM "Run" WHERE id = $1', [runId])).rows[0]?.status, { timeout: 30_000 }).toBe("SUCCEEDED");
    const steps = await db.query('SELECT status FROM "RunStep" WHERE "runId" = $1', [runId]);
    expect(steps.rows.map((r) => r.status)).toEqual(Array(8).fill("SUCCEEDED"));
  } finally {
    await db.end();
  }

  // Open panel screenshot in a clean state.
  await clickOnCanvas(page, page.getByTestId("step-node").nth(0));
  await page.screenshot({ path: "e2e/artifacts/editor-composer.png" });

  // Unsaved changes are guarded; keyboard Delete removes the selected step, Escape closes the panel.
  await panel(page).getByLabel("Название шага").fill("Контакт");
  await expect(page.getByTestId("unsaved")).toBeVisible();
  page.once("dialog", (d) => d.dismiss());
  await page.getByRole("link", { name: "История операций" }).click();
  await expect(page).toHaveURL(new RegExp(`/pipelines/${pipelineId}$`));
  await clickOnCanvas(page, page.getByTestId("step-node").nth(7));
  await expect(page.getByTestId("step-panel")).toContainText("Привязать контакт к сделке");
  await page.getByTestId("canvas").press("Delete");
  await expect(page.getByTestId("step-node")).toHaveCount(7);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("editor-panel")).toHaveCount(0);

  // Save that as version 3, then restore version 2: it is saved again as version 4.
  await page.getByTestId("save").click();
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 3");
  await page.getByRole("button", { name: "Версии" }).click();
  await expect(page.getByTestId("versions").getByRole("listitem")).toHaveCount(3);
  const v2 = page.getByTestId("versions").getByRole("listitem").filter({ hasText: "Версия 2" });
  await v2.getByRole("button", { name: "Восстановить" }).click();
  // It says what changes and asks: the deleted step comes back, the renamed one changes.
  const confirmBox = page.getByTestId("restore-confirm");
  await expect(confirmBox.getByTestId("restore-added")).toHaveText("Добавятся шаги: «Привязать контакт к сделке»");
  await expect(confirmBox.getByTestId("restore-changed")).toHaveText("Изменятся шаги: «Данные контакта»");
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 3");
  await confirmBox.getByTestId("restore-confirm-yes").click();
  await expect(page.getByTestId("pipeline-version")).toHaveText("Версия 4");
  await expect(page.getByTestId("step-node")).toHaveCount(8);
  await expect(page.getByTestId("step-node").first()).toContainText("Данные контакта");
  await expect(page.getByTestId("unsaved")).toBeHidden();
});

test("editor endpoints answer 404 for another user's pipeline and credential", async ({ baseURL }) => {
  const ctxA = await pwRequest.newContext();
  const a = await apiUser(ctxA, baseURL!, "ed-owner");
  const { pipeline } = await (await ctxA.post(`${baseURL}/api/v1/pipelines`, { headers: a.auth, data: { name: "Чужая" } })).json();
  const cred = await ctxA.post(`${baseURL}/api/v1/credentials`, { headers: a.auth, data: { name: "Секрет", secret: "top-secret-value-123" } });
  expect(cred.status()).toBe(201);
  const { credential } = await cred.json();
  expect(credential).toEqual(expect.objectContaining({ name: "Секрет", hint: "…-123" }));
  expect(JSON.stringify(credential)).not.toContain("top-secret");
  const dup = await ctxA.post(`${baseURL}/api/v1/credentials`, { headers: a.auth, data: { name: "Секрет", secret: "x" } });
  expect(dup.status()).toBe(409);

  const ctxB = await pwRequest.newContext();
  const b = await apiUser(ctxB, baseURL!, "ed-intruder");
  const base = `${baseURL}/api/v1/pipelines/${pipeline.id}`;
  for (const [method, url, data] of [
    ["post", `${base}/source-fields`, {}],
    ["get", `${base}/requests`, undefined],
    ["post", `${base}/rotate-token`, undefined],
    ["post", `${base}/test-step`, { stepId: "s1" }],
    ["post", `${base}/test-pipeline`, {}],
    ["get", `${base}/versions`, undefined],
    ["post", `${base}/versions/1/restore`, {}],
    ["patch", `${baseURL}/api/v1/credentials/${credential.id}`, { secret: "stolen" }],
    ["delete", `${baseURL}/api/v1/credentials/${credential.id}`, undefined],
  ] as const) {
    const res = await ctxB[method](url, { headers: b.auth, data });
    expect(res.status(), `${method} ${url}`).toBe(404);
  }
  expect((await (await ctxB.get(`${baseURL}/api/v1/credentials`, { headers: b.auth })).json()).credentials).toEqual([]);
  // The owner's data is untouched.
  const versions = await (await ctxA.get(`${base}/versions`, { headers: a.auth })).json();
  expect(versions.versions).toHaveLength(1);
  const list = await (await ctxA.get(`${baseURL}/api/v1/credentials`, { headers: a.auth })).json();
  expect(list.credentials.map((c: { hint: string }) => c.hint)).toEqual(["…-123"]);
});
