import { describe, expect, it } from "vitest";
import { passwordProblem } from "./password-strength";

describe("passwordProblem", () => {
  it.each(["12345678", "password", "qwerty123456", "1234567890", "password123"])("refuses %s with a helpful Russian message", (pw) => {
    const problem = passwordProblem(pw);
    expect(problem).toMatch(/^Пароль слишком (простой|короткий)/);
    expect(problem).toContain("Возьмите фразу из трёх-четырёх несвязанных слов");
  });

  it("names the reason for a well-known password", () => {
    expect(passwordProblem("password")).toBe(
      "Пароль слишком короткий: нужно не меньше 10 символов. Возьмите фразу из трёх-четырёх несвязанных слов или добавьте ещё слово, цифры и знаки.",
    );
    expect(passwordProblem("password1234")).toMatch(/^Пароль слишком простой: (это|он похож на) .*распространённ/);
  });

  it("refuses a password made of the person's own e-mail", () => {
    expect(passwordProblem("salonanna12", ["anna.salon@mail.ru"])).toMatch(/^Пароль слишком простой/);
  });

  it("accepts passphrases and strong mixed passwords, in Russian too", () => {
    expect(passwordProblem("correct-horse-9")).toBeNull();
    expect(passwordProblem("Salon-Anna-1987!x")).toBeNull();
    expect(passwordProblem("синий кот пьёт чай")).toBeNull();
  });

  it("speaks English when asked", () => {
    expect(passwordProblem("password1234", [], "en")).toMatch(/^The password is too easy to guess/);
  });
});
