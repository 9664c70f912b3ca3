import { test, expect, request as pwRequest } from "@playwright/test";
import { apiUser, loginViaUi, PASSWORD, registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

test("register → login → create → rename → delete → logout, in Russian then English", async ({ page }) => {
  const email = uniqueEmail("ui");
  await registerViaUi(page, email);
  await expect(page.getByRole("heading", { name: "Обработки" })).toBeVisible();
  await expect(page.getByText("Пока нет ни одной обработки")).toBeVisible();
  await expect(page.getByRole("link", { name: "История операций" })).toBeVisible();

  for (const name of ["Клиентикс → Weeek", "Вторая обработка"]) {
    await page.goto("/pipelines");
    await page.getByTestId("create-pipeline").click();
    await page.getByLabel("Название обработки").fill(name);
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.getByTestId("pipeline-name")).toHaveText(name);
    await expect(page.getByTestId("webhook-url")).toHaveValue(/\/hooks\//);
  }
  await page.goto("/pipelines");
  await expect(page.getByTestId("pipeline-row")).toHaveCount(2);
  await expect(page.getByTestId("pipeline-row").first()).toContainText("Остановлена");

  const second = page.getByTestId("pipeline-row").filter({ hasText: "Вторая обработка" });
  await second.getByRole("button", { name: "Переименовать" }).click();
  await page.getByLabel("Название обработки").fill("Переименованная");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("pipeline-row").filter({ hasText: "Переименованная" })).toHaveCount(1);

  page.once("dialog", (d) => d.accept());
  await page.getByTestId("pipeline-row").filter({ hasText: "Переименованная" }).getByRole("button", { name: "Удалить" }).click();
  await expect(page.getByTestId("pipeline-row")).toHaveCount(1);
  await page.screenshot({ path: "e2e/artifacts/pipelines-ru.png", fullPage: true });

  // English
  await page.getByTestId("language-switch").click();
  await expect(page.getByRole("heading", { name: "Pipelines" })).toBeVisible();
  await page.getByTestId("create-pipeline").click();
  await page.getByLabel("Pipeline name").fill("English pipeline");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("pipeline-name")).toHaveText("English pipeline");
  await page.goto("/pipelines");
  await expect(page.getByTestId("pipeline-row")).toHaveCount(2);
  await expect(page.getByTestId("pipeline-row").first()).toContainText("Stopped");
  const en = page.getByTestId("pipeline-row").filter({ hasText: "English pipeline" });
  await en.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("Pipeline name").fill("English renamed");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("pipeline-row").filter({ hasText: "English renamed" })).toHaveCount(1);
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("pipeline-row").filter({ hasText: "English renamed" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId("pipeline-row")).toHaveCount(1);
  await page.screenshot({ path: "e2e/artifacts/pipelines-en.png", fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/pipelines");
  await expect(page).toHaveURL(/\/login/);

  // Back in: the language choice and the data are kept.
  await loginViaUi(page, email);
  await expect(page.getByTestId("pipeline-row")).toHaveCount(1);
  await page.getByTestId("language-switch").click();
  await expect(page.getByRole("heading", { name: "Обработки" })).toBeVisible();
});

test("a second user gets 404 for the first user's pipeline, in the UI and in the API", async ({ page, baseURL }) => {
  const ctxA = await pwRequest.newContext();
  const a = await apiUser(ctxA, baseURL!, "owner");
  const created = await ctxA.post(`${baseURL}/api/v1/pipelines`, { headers: a.auth, data: { name: "Секретная" } });
  expect(created.status()).toBe(201);
  const { pipeline } = await created.json();

  const ctxB = await pwRequest.newContext();
  const b = await apiUser(ctxB, baseURL!, "intruder");
  for (const [method, path] of [
    ["get", `/api/v1/pipelines/${pipeline.id}`],
    ["patch", `/api/v1/pipelines/${pipeline.id}`],
    ["delete", `/api/v1/pipelines/${pipeline.id}`],
    ["post", `/api/v1/pipelines/${pipeline.id}/start`],
  ] as const) {
    const res = await ctxB[method](`${baseURL}${path}`, { headers: b.auth, data: method === "patch" ? { name: "x" } : undefined });
    expect(res.status(), `${method} ${path}`).toBe(404);
    expect((await res.json()).error.code).toBe("not_found");
  }
  const list = await (await ctxB.get(`${baseURL}/api/v1/pipelines`, { headers: b.auth })).json();
  expect(list.pipelines).toEqual([]);

  await loginViaUi(page, b.email);
  const res = await page.goto(`/pipelines/${pipeline.id}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByText("Секретная")).toHaveCount(0);

  // The owner still has it, untouched.
  const own = await ctxA.get(`${baseURL}/api/v1/pipelines/${pipeline.id}`, { headers: a.auth });
  expect((await own.json()).pipeline.name).toBe("Секретная");
});

test("API tokens: a token works, a revoked one gets 401; no credentials → 401", async ({ baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "tokens");
  const anon = await pwRequest.newContext();
  expect((await anon.get(`${baseURL}/api/v1/pipelines`)).status()).toBe(401);

  const ok = await anon.get(`${baseURL}/api/v1/pipelines`, { headers: u.auth });
  expect(ok.status()).toBe(200);
  const full = await anon.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "Через API" } });
  expect(full.status()).toBe(201);
  const id = (await full.json()).pipeline.id;
  expect((await anon.post(`${baseURL}/api/v1/pipelines/${id}/start`, { headers: u.auth })).status()).toBe(200);
  expect((await anon.post(`${baseURL}/api/v1/pipelines/${id}/stop`, { headers: u.auth })).status()).toBe(200);

  expect((await anon.delete(`${baseURL}/api/v1/tokens/${u.tokenId}`, { headers: u.auth })).status()).toBe(204);
  const revoked = await anon.get(`${baseURL}/api/v1/pipelines`, { headers: u.auth });
  expect(revoked.status()).toBe(401);
  expect((await revoked.json()).error.code).toBe("unauthorized");
  expect((await anon.get(`${baseURL}/api/v1/pipelines`, { headers: { authorization: "Bearer hf_bogus" } })).status()).toBe(401);
});

test("invalid bodies get 400/422 with the field named", async ({ baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "invalid");
  const anon = await pwRequest.newContext();
  const bad = await anon.post(`${baseURL}/api/v1/pipelines`, { headers: { ...u.auth, "content-type": "application/json" }, data: Buffer.from("{not json") });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.code).toBe("invalid_json");

  const noName = await anon.post(`${baseURL}/api/v1/pipelines`, { headers: u.auth, data: { name: "" } });
  expect(noName.status()).toBe(422);
  const body = await noName.json();
  expect(body.error.message).toContain("name");
  expect(body.error.details[0].field).toBe("name");

  const badDef = await anon.post(`${baseURL}/api/v1/pipelines`, {
    headers: u.auth,
    data: { name: "x", definition: { steps: [{ id: "bad id!", type: "json-composer" }] } },
  });
  expect(badDef.status()).toBe(422);
  expect((await badDef.json()).error.details[0].field).toBe("definition.steps.0.id");

  const reg = await anon.post(`${baseURL}/api/v1/register`, { data: { email: "not-an-email", password: "short" } });
  expect(reg.status()).toBe(422);
  const fields = (await reg.json()).error.details.map((d: { field: string }) => d.field);
  expect(fields).toEqual(expect.arrayContaining(["email", "password"]));

  const dup = await anon.post(`${baseURL}/api/v1/register`, { data: { email: u.email, password: PASSWORD } });
  expect(dup.status()).toBe(409);
});

test("repeated failed logins are slowed down", async ({ page, baseURL }) => {
  const ctx = await pwRequest.newContext();
  const u = await apiUser(ctx, baseURL!, "brute");
  await page.goto("/login");
  for (let i = 0; i < 6; i++) {
    await page.getByLabel("Эл. почта").fill(u.email);
    await page.getByLabel("Пароль").fill(`wrong-${i}`);
    await page.getByRole("button", { name: "Войти" }).click();
    await expect(page.getByTestId("form-error")).toBeVisible();
  }
  await expect(page.getByTestId("form-error")).toContainText("Слишком много попыток");
  // Even the right password is refused while locked.
  await page.getByLabel("Пароль").fill(PASSWORD);
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByTestId("form-error")).toContainText("Слишком много попыток");
});

test("settings show the live worker and its last heartbeat; /api/v1/health lists it", async ({ page, baseURL }) => {
  await registerViaUi(page, uniqueEmail("health"));
  await page.goto("/settings");
  const section = page.getByTestId("worker-health");
  await expect(section).toContainText("Обработчики");
  await expect(section).toContainText("Обработчик 1");
  await expect(section).not.toContainText("pid");
  await expect(section).toContainText("Последний сигнал");
  const res = await page.request.get(`${baseURL}/api/v1/health`);
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.redis).toBe("ok");
  expect(body.workers.length).toBeGreaterThan(0);
  expect(Date.now() - Date.parse(body.workers[0].lastSeen)).toBeLessThan(30_000);
  // Every user sees this list: no host name or pid of the worker's machine.
  expect(body.workers[0].host).toBeUndefined();
  expect(body.workers[0].pid).toBeUndefined();
  expect(body.workers[0].id).toMatch(/^[0-9a-f]{8}$/);
});
