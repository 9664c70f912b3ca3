import { describe, expect, it } from "vitest";
import { csrfProblem } from "./csrf";

const APP = "https://hooks.salon.example";
const req = (method: string, headers: Record<string, string>) => ({ method, headers: new Headers({ host: "localhost:3000", ...headers }) });

describe("csrfProblem", () => {
  it("lets reads through whatever their origin", () => {
    expect(csrfProblem(req("GET", { origin: "http://evil.example" }), APP)).toBeNull();
  });

  it("accepts same-origin JSON by Host or by APP_URL, and body-less same-origin requests", () => {
    expect(csrfProblem(req("POST", { origin: "http://localhost:3000", "content-type": "application/json" }), APP)).toBeNull();
    expect(csrfProblem(req("PATCH", { origin: APP, "content-type": "application/json; charset=utf-8" }), APP)).toBeNull();
    expect(csrfProblem(req("DELETE", { origin: "http://localhost:3000" }), APP)).toBeNull();
    expect(csrfProblem(req("POST", { "sec-fetch-site": "same-origin", "content-type": "application/merge-patch+json" }), APP)).toBeNull();
  });

  it("refuses another origin — another port of the same host included", () => {
    expect(csrfProblem(req("POST", { origin: "http://localhost:3999", "content-type": "application/json" }), APP)).toBe(
      "запрос пришёл со страницы другого сайта (http://localhost:3999)",
    );
    expect(csrfProblem(req("POST", { origin: "null", "content-type": "application/json" }), APP)).toMatch(/другого сайта \(null\)/);
    expect(csrfProblem(req("DELETE", { "sec-fetch-site": "same-site" }), APP)).toMatch(/Sec-Fetch-Site: same-site/);
  });

  it("refuses text/plain and form bodies even from our own origin", () => {
    expect(csrfProblem(req("POST", { origin: "http://localhost:3000", "content-type": "text/plain;charset=UTF-8" }), APP)).toBe(
      "тело запроса должно быть JSON (Content-Type: application/json), а пришло «text/plain;charset=UTF-8»",
    );
    expect(csrfProblem(req("POST", { "content-type": "application/x-www-form-urlencoded" }), APP)).toMatch(/x-www-form-urlencoded/);
    expect(csrfProblem(req("POST", { "content-length": "12" }), APP)).toMatch(/без Content-Type/);
  });
});
