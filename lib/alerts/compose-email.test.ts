import { describe, expect, it } from "vitest";
import { composeEmail, type EmailFacts } from "./compose-email";
import { alertSubject } from "./email-strings";
import { createEmailMasker } from "./mask-email";
import { alertRecipientsFor } from "./recipients";
import { describeSmtpError, isPermanentSmtpError } from "./smtp";

const run = (over: Partial<EmailFacts["runs"][number]> = {}): EmailFacts["runs"][number] => ({
  id: "r1",
  link: "http://app.test/history/r1",
  at: new Date("2026-03-01T10:00:00Z"),
  status: "FAILED",
  error: "Шаг 2 «Создать сделку»: HTTP 422 от api.weeek.net",
  step: { title: "Шаг 2 «Создать сделку»", error: "HTTP 422 от api.weeek.net", httpStatus: 422, bodyExcerpt: '{"message":"bad <tag>"}' },
  inputs: [["client_name", "Иван"]],
  ...over,
});

const facts = (over: Partial<EmailFacts> = {}): EmailFacts => ({
  kind: "FAILURE",
  locale: "ru",
  subject: alertSubject("FAILURE", "ru", "Клиентикс → Weeek"),
  pipelineName: "Клиентикс → Weeek",
  settingsLink: "http://app.test/pipelines/p1/settings",
  at: new Date("2026-03-01T10:00:00Z"),
  runs: [run()],
  failureCount: 1,
  capped: false,
  ...over,
});

describe("composeEmail", () => {
  it("a failure: step, error, HTTP status and body, inputs, link — in text and escaped HTML", () => {
    const e = composeEmail(facts());
    expect(e.subject).toBe("Hookflow: ошибка в обработке «Клиентикс → Weeek»");
    for (const part of ["Шаг 2 «Создать сделку»", "HTTP 422 от api.weeek.net", "HTTP-статус: 422", "client_name: Иван", "http://app.test/history/r1"]) {
      expect(e.text).toContain(part);
    }
    expect(e.html).toContain('href="http://app.test/history/r1"');
    expect(e.html).toContain("bad &lt;tag&gt;");
    expect(e.html).not.toContain("<tag>");
  });

  it("a digest counts the failures and lists distinct errors with links", () => {
    const runs = Array.from({ length: 9 }, (_, i) => run({ id: `r${i}`, link: `http://app.test/history/r${i}`, error: i < 6 ? "A" : "B", step: null }));
    const e = composeEmail(facts({ kind: "DIGEST", subject: alertSubject("DIGEST", "ru", "P", 9), runs, failureCount: 9 }));
    expect(e.subject).toBe("Hookflow: ещё 9 ошибок в обработке «P»");
    expect(e.text).toContain("ещё 9 раз");
    expect(e.text).toContain("- A (6 раз)");
    expect(e.text).toContain("- B (3 раза)");
    expect(e.text).toContain("http://app.test/history/r8");
  });

  it("recovered, in English", () => {
    const ok = run({ id: "ok", link: "http://app.test/history/ok", status: "SUCCEEDED", error: null, step: null });
    const e = composeEmail(facts({ kind: "RECOVERED", locale: "en", subject: alertSubject("RECOVERED", "en", "P"), runs: [ok], failureCount: 0 }));
    expect(e.subject).toBe('Hookflow: pipeline "P" recovered');
    expect(e.text).toContain("recovered");
    expect(e.text).toContain("http://app.test/history/ok");
    expect(e.html).toContain('lang="en"');
  });

  it("Russian plurals in subjects", () => {
    expect(alertSubject("DIGEST", "ru", "P", 1)).toContain("ещё 1 ошибка");
    expect(alertSubject("DIGEST", "ru", "P", 3)).toContain("ещё 3 ошибки");
    expect(alertSubject("DIGEST", "ru", "P", 11)).toContain("ещё 11 ошибок");
    expect(alertSubject("DIGEST", "ru", "P", 21)).toContain("ещё 21 ошибка");
  });
});

describe("createEmailMasker", () => {
  const m = createEmailMasker(["sk_live_SECRET42"]);
  it.each([
    ["credential value anywhere", "token sk_live_SECRET42 rejected", "sk_live_SECRET42"],
    ["URL-encoded credential", "url?k=sk_live_SECRET42", "SECRET42"],
    ["Authorization header", "sent Authorization: Bearer abc.def-123", "abc.def-123"],
    ["bare Bearer", "got Bearer eyJhbGciOi.x.y back", "eyJhbGciOi"],
    ["JSON api key", '{"api_key":"zzz-999","ok":1}', "zzz-999"],
    ["password in a form body", "name=a&password=hunter2&x=1", "hunter2"],
    ["userinfo in a URL", "smtps://me:p4ss@smtp.example.ru:465", "p4ss"],
  ])("%s", (_name, input, secret) => {
    const out = m.text(input);
    expect(out).not.toContain(secret);
    expect(out).toContain("***");
  });

  it("keeps ordinary text and masks fields named like secrets", () => {
    expect(m.text("HTTP 422 от api.weeek.net: поле phone неверно")).toBe("HTTP 422 от api.weeek.net: поле phone неверно");
    expect(m.text("Authorization: Bearer abc12345")).toBe("Authorization: Bearer ***");
    expect(m.field("password", "hunter2")).toBe("***");
    expect(m.field("client_phone", "+79990001122")).toBe("+79990001122");
  });
});

describe("recipients and SMTP errors", () => {
  it("owner first, duplicates dropped case-insensitively", () => {
    expect(alertRecipientsFor("Owner@x.test", ["ops@x.test", "owner@X.test", " ops@x.test "])).toEqual(["Owner@x.test", "ops@x.test"]);
  });

  it("explains connection errors and treats 5xx as permanent", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:2526"), { code: "ESOCKET" });
    expect(describeSmtpError(refused, "ru")).toBe("SMTP-сервер недоступен: connect ECONNREFUSED 127.0.0.1:2526");
    expect(describeSmtpError(refused, "en")).toContain("SMTP server unreachable");
    expect(isPermanentSmtpError(refused)).toBe(false);
    expect(isPermanentSmtpError(Object.assign(new Error("550 no such user"), { code: "EENVELOPE", responseCode: 550 }))).toBe(true);
    expect(isPermanentSmtpError(Object.assign(new Error("451 try later"), { code: "EMESSAGE", responseCode: 451 }))).toBe(false);
  });
});
