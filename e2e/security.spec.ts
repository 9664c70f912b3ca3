// Issue 17 against the built app in Chromium: CSRF from another port of the same host, sessions
// that really end, password rules, security headers on every page (and the pages still work
// under the Content-Security-Policy: canvas, CodeMirror, history).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect, request as pwRequest, type Page } from "@playwright/test";
import { PASSWORD, registerViaUi, uniqueEmail } from "../test/support/e2e-helpers";

/** A page on another port of localhost: same site for the browser (cookies go along), another origin. */
async function startEvilSite(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    if (req.url === "/form") {
      res.end(`<form id="f" method="POST" action="${target}/api/v1/pipelines"><input name="name" value="csrf-form"></form>
        <script>document.getElementById("f").submit()</script>`);
      return;
    }
    res.end(`<script>
      fetch("${target}/api/v1/pipelines", { method: "POST", mode: "no-cors", credentials: "include",
        headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: "csrf-fetch" }) })
        .then(() => { document.title = "sent"; }, () => { document.title = "sent"; });
    </script>`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://localhost:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function sessionCookie(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  const c = cookies.find((x) => x.name.endsWith("next-auth.session-token"));
  expect(c, "session cookie").toBeTruthy();
  return `${c!.name}=${c!.value}`;
}

test("CSRF: a page on another port cannot change anything with the session cookie; JSON from our own pages still works", async ({ page, baseURL }) => {
  await registerViaUi(page, uniqueEmail("csrf"));
  const evil = await startEvilSite(baseURL!);
  try {
    // A cross-origin fetch (text/plain, no preflight) and a cross-origin form post, in the real browser.
    const attacker = await page.context().newPage();
    await attacker.goto(evil.url);
    await expect(attacker).toHaveTitle("sent");
    const formReply = attacker.waitForResponse((r) => r.url().endsWith("/api/v1/pipelines") && r.request().method() === "POST");
    await attacker.goto(`${evil.url}/form`);
    const formRes = await formReply;
    expect(formRes.status()).toBe(403);
    expect((await formRes.json()).error).toMatchObject({ code: "csrf_rejected", message: expect.stringContaining(`другого сайта (${evil.url})`) });
    await attacker.close();
  } finally {
    await evil.close();
  }
  const list = await (await page.request.get("/api/v1/pipelines")).json();
  expect(JSON.stringify(list)).not.toContain("csrf-");

  // The same checks spelled out: cross-origin JSON → 403, same-origin text/plain → 403, same-origin JSON → 201.
  const cross = await page.request.post("/api/v1/pipelines", {
    headers: { origin: "http://localhost:1", "content-type": "application/json" },
    data: { name: "x" },
  });
  expect(cross.status()).toBe(403);
  const plain = await page.request.post("/api/v1/pipelines", {
    headers: { origin: baseURL!, "content-type": "text/plain" },
    data: JSON.stringify({ name: "plain" }),
  });
  expect(plain.status()).toBe(403);
  expect((await plain.json()).error.message).toContain("тело запроса должно быть JSON (Content-Type: application/json), а пришло «text/plain»");
  const form = await page.request.post("/api/v1/pipelines", { headers: { origin: baseURL! }, form: { name: "form" } });
  expect(form.status()).toBe(403);
  const ok = await page.request.post("/api/v1/pipelines", { headers: { origin: baseURL! }, data: { name: "Своя обработка" } });
  expect(ok.status()).toBe(201);
  expect(ok.headers()["cache-control"]).toBe("no-store");

  // The UI itself (same-origin fetch with JSON) keeps working.
  await page.goto("/pipelines");
  await page.getByTestId("create-pipeline").click();
  await page.getByLabel("Название обработки").fill("Из интерфейса");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("pipeline-name")).toHaveText("Из интерфейса");
});

test("sign-out ends the session: the old cookie gets 401 from the API and the login page instead of pages", async ({ page, baseURL }) => {
  await registerViaUi(page, uniqueEmail("signout"));
  const cookie = await sessionCookie(page);
  const old = await pwRequest.newContext({ baseURL, extraHTTPHeaders: { cookie } });
  expect((await old.get("/api/v1/me")).status()).toBe(200);

  await page.getByRole("button", { name: "Выйти" }).click();
  await expect(page).toHaveURL(/\/login/);

  const me = await old.get("/api/v1/me");
  expect(me.status()).toBe(401);
  const pageRes = await old.get("/pipelines", { maxRedirects: 0 });
  expect(pageRes.status()).toBeGreaterThanOrEqual(300);
  expect(pageRes.status()).toBeLessThan(400);
  expect(pageRes.headers()["location"]).toMatch(/\/login/);
  await old.dispose();
});

test("password change ends other sessions; «Выйти на всех устройствах» ends all; weak passwords are refused", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("pw");
  await registerViaUi(page, email);
  const other = await browser.newContext({ baseURL, locale: "ru-RU" });
  const otherPage = await other.newPage();
  await otherPage.goto("/login");
  await otherPage.getByLabel("Эл. почта").fill(email);
  await otherPage.getByLabel("Пароль").fill(PASSWORD);
  await otherPage.getByRole("button", { name: "Войти" }).click();
  await expect(otherPage).toHaveURL(/\/pipelines$/);

  await page.goto("/settings");
  const box = page.getByTestId("account-security");
  await box.getByLabel("Текущий пароль").fill(PASSWORD);
  await box.getByLabel("Новый пароль").fill("password12");
  await box.getByRole("button", { name: "Сменить пароль" }).click();
  await expect(page.getByTestId("password-error")).toContainText("Пароль слишком простой");
  await box.getByLabel("Новый пароль").fill("синий кот пьёт чай");
  await box.getByRole("button", { name: "Сменить пароль" }).click();
  await expect(page.getByTestId("password-done")).toHaveText("Пароль изменён. Другие сессии завершены: 1");
  await page.screenshot({ path: "e2e/artifacts/settings-security.png", fullPage: true });

  expect((await otherPage.request.get("/api/v1/me")).status()).toBe(401);
  await otherPage.goto("/pipelines");
  await expect(otherPage).toHaveURL(/\/login/);
  expect((await page.request.get("/api/v1/me")).status()).toBe(200);

  // Sign in again elsewhere with the new password, then end everything from settings.
  await otherPage.getByLabel("Эл. почта").fill(email);
  await otherPage.getByLabel("Пароль").fill("синий кот пьёт чай");
  await otherPage.getByRole("button", { name: "Войти" }).click();
  await expect(otherPage).toHaveURL(/\/pipelines$/);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Выйти на всех устройствах" }).click();
  await expect(page).toHaveURL(/\/login/);
  expect((await otherPage.request.get("/api/v1/me")).status()).toBe(401);
  await other.close();
});

test("registration refuses 12345678 and «password» with a helpful Russian message", async ({ baseURL }) => {
  const ctx = await pwRequest.newContext({ baseURL });
  for (const password of ["12345678", "password", "password1234"]) {
    const res = await ctx.post("/api/v1/register", { data: { email: uniqueEmail("weak"), password } });
    expect(res.status()).toBe(422);
    const err = (await res.json()).error;
    expect(err.details[0].field).toBe("password");
    expect(err.message).toMatch(/Пароль слишком (короткий|простой)/);
  }
  await ctx.dispose();
});

test("every page carries the security headers and still renders under the CSP (canvas, CodeMirror, history)", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(`pageerror: ${e.message}`));

  const check = async (path: string) => {
    const res = await page.goto(path);
    expect(res, path).not.toBeNull();
    const h = res!.headers();
    expect(h["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["x-frame-options"], path).toBe("DENY");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  };

  await check("/login");
  await check("/register");
  await registerViaUi(page, uniqueEmail("headers"));
  const created = await page.request.post("/api/v1/pipelines", { data: { name: "Заголовки" } });
  const { pipeline } = await created.json();
  await page.request.post(`/api/v1/pipelines/${pipeline.id}/start`);
  const hook = await page.request.post(pipeline.webhookUrl, { data: { client_name: "Анна", phone: "+7 (912) 000-11-22" } });
  expect(hook.status()).toBe(200);
  const { runId } = await hook.json();

  for (const path of [
    "/pipelines",
    "/pipelines/new",
    `/pipelines/${pipeline.id}`,
    `/pipelines/${pipeline.id}/settings`,
    "/history",
    `/history/${runId}`,
    "/settings",
  ]) {
    await check(path);
  }
  // The editor really works: the React Flow canvas, and CodeMirror in a composer step takes typing.
  await page.goto(`/pipelines/${pipeline.id}`);
  await expect(page.locator(".react-flow__node").first()).toBeVisible();
  await page.getByTestId("add-step-end").click();
  await page.getByTestId("palette").locator('[data-action-type="json-composer"]').click();
  const cm = page.getByTestId("step-panel").locator(".cm-content").first();
  await expect(cm).toBeVisible();
  await cm.click();
  await page.keyboard.type('"салон": 1');
  await expect(cm).toContainText('"салон": 1');
  await page.screenshot({ path: "e2e/artifacts/editor-under-csp.png" });
  await page.goto(`/history/${runId}`);
  await expect(page.getByText("+7 (912) 000-11-22").first()).toBeVisible();

  const api = await page.request.get("/api/v1/me");
  expect(api.headers()["cache-control"]).toBe("no-store");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");
  expect(violations).toEqual([]);
});

test("a per-обработка limit set in the settings answers 429 with Retry-After and keeps the request as rejected", async ({ page }) => {
  await registerViaUi(page, uniqueEmail("ratelimit"));
  const { pipeline } = await (await page.request.post("/api/v1/pipelines", { data: { name: "Лимит" } })).json();
  await page.goto(`/pipelines/${pipeline.id}/settings`);
  const box = page.getByTestId("webhook-rate-limit");
  // The field refuses 0 in the browser (min=1); the API says why.
  const zero = await page.request.patch(`/api/v1/pipelines/${pipeline.id}`, { data: { settings: { webhookRateLimit: 0 } } });
  expect(zero.status()).toBe(422);
  expect((await zero.json()).error.message).toContain("webhookRateLimit: не меньше 1 запроса в минуту");
  await box.getByLabel("Запросов в минуту").fill("2");
  await box.getByRole("button", { name: "Сохранить" }).click();
  await expect(box.getByRole("status")).toHaveText("Сохранено");
  await page.screenshot({ path: "e2e/artifacts/pipeline-rate-limit.png", fullPage: true });
  expect((await (await page.request.get(`/api/v1/pipelines/${pipeline.id}`)).json()).pipeline.settings.webhookRateLimit).toBe(2);

  // The web process reloads limits every 10 s: send until the limit is in force, then count.
  const send = () => page.request.post(pipeline.webhookUrl, { data: { client_name: "Ирина", amount: "1 500,00 ₽" } });
  let res = await send();
  await expect.poll(async () => (res = await send()).status(), { timeout: 30_000 }).toBe(429);
  expect(Number(res.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
  const body = await res.json();
  expect(body.error).toBe("rate_limited");
  const run = await (await page.request.get(`/api/v1/runs/${body.runId}`)).json();
  expect(run.run.status).toBe("REJECTED");
  expect(JSON.stringify(run.run)).toContain("Превышен предел обработки: не больше 2 запросов в минуту");
});
