import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";

export const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
export const PASSWORD = "correct-horse-9";

export async function registerViaUi(page: Page, email: string, password = PASSWORD) {
  await page.goto("/register");
  await page.getByLabel(/Эл\. почта|Email/).fill(email);
  await page.getByLabel(/Пароль|Password/).fill(password);
  await page.getByRole("button", { name: /Зарегистрироваться|Create account/ }).click();
  await expect(page).toHaveURL(/\/pipelines$/);
}

export async function loginViaUi(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel(/Эл\. почта|Email/).fill(email);
  await page.getByLabel(/Пароль|Password/).fill(password);
  await page.getByRole("button", { name: /^(Войти|Sign in)$/ }).click();
  await expect(page).toHaveURL(/\/pipelines$/);
}

/** Registers a user through the API and returns a personal API token for it. */
export async function apiUser(request: APIRequestContext, baseURL: string, tag: string) {
  const email = uniqueEmail(tag);
  const reg = await request.post(`${baseURL}/api/v1/register`, { data: { email, password: PASSWORD } });
  expect(reg.status()).toBe(201);
  // Sign in with next-auth's credentials endpoint to get a session cookie, then mint a token.
  const csrf = await (await request.get(`${baseURL}/api/auth/csrf`)).json();
  const login = await request.post(`${baseURL}/api/auth/callback/credentials`, {
    form: { csrfToken: csrf.csrfToken, email, password: PASSWORD, json: "true" },
  });
  expect(login.ok()).toBeTruthy();
  const tok = await request.post(`${baseURL}/api/v1/tokens`, { data: { name: "e2e" } });
  expect(tok.status()).toBe(201);
  const { token } = await tok.json();
  return { email, token: token.token as string, tokenId: token.id as string, auth: { authorization: `Bearer ${token.token}` } };
}

/**
 * Clicks a canvas node that may be below the fold: scrolls the canvas with the mouse wheel (it pans)
 * until the node is inside it, then clicks. (Playwright's own scrolling of the React Flow container
 * is undone by React Flow, so a plain click on an off-screen node can land anywhere.)
 */
export async function clickOnCanvas(page: Page, node: Locator) {
  const canvas = await page.getByTestId("canvas").boundingBox();
  expect(canvas).not.toBeNull();
  await expect
    .poll(async () => {
      const b = await node.boundingBox();
      if (b && b.y >= canvas!.y && b.y + b.height <= canvas!.y + canvas!.height) return "inside";
      await page.mouse.move(canvas!.x + 40, canvas!.y + canvas!.height / 2);
      await page.mouse.wheel(0, b && b.y < canvas!.y ? -300 : 300);
      return "outside";
    })
    .toBe("inside");
  await node.click();
}
