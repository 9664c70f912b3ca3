// E-mail wording in the owner's language. Kept here rather than in messages/*.json because the
// worker renders e-mails outside any Next request (no next-intl context there).
export type EmailLocale = "ru" | "en";

export const emailLocale = (v: string | null | undefined): EmailLocale => (v === "en" ? "en" : "ru");

const plural = (n: number, one: string, few: string, many: string) => {
  const m10 = n % 10;
  const m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
};

export const strings = {
  ru: {
    subjectFailure: (name: string) => `Hookflow: ошибка в обработке «${name}»`,
    subjectDigest: (name: string, n: number) => `Hookflow: ещё ${n} ${plural(n, "ошибка", "ошибки", "ошибок")} в обработке «${name}»`,
    subjectRecovered: (name: string) => `Hookflow: обработка «${name}» восстановлена`,
    subjectTest: (name: string) => `Hookflow: тестовое письмо для обработки «${name}»`,
    failureIntro: (name: string) => `Обработка «${name}» завершилась с ошибкой.`,
    digestIntro: (name: string, n: number, capped: boolean) =>
      `За время с предыдущего письма обработка «${name}» завершилась с ошибкой ещё ${capped ? "не менее " : ""}${n} ${plural(n, "раз", "раза", "раз")}.`,
    recoveredIntro: (name: string) => `Обработка «${name}» снова выполняется успешно — восстановлено.`,
    recoveredPending: (n: number, capped: boolean) =>
      `До восстановления, после предыдущего письма, было ещё ${capped ? "не менее " : ""}${n} ${plural(n, "ошибка", "ошибки", "ошибок")}:`,
    testIntro: (name: string) =>
      `Это тестовое письмо Hookflow для обработки «${name}». Если вы его читаете, уведомления об ошибках будут доходить до этого адреса.`,
    pipeline: "Обработка",
    time: "Время",
    step: "Шаг с ошибкой",
    error: "Ошибка",
    httpStatus: "HTTP-статус",
    responseBody: "Ответ сервера (начало)",
    inputs: "Входные данные (первые поля)",
    noInputs: "нет полей",
    openRun: "Открыть операцию",
    distinctErrors: "Различные ошибки",
    times: (n: number) => `${n} ${plural(n, "раз", "раза", "раз")}`,
    runs: "Операции",
    more: (n: number) => `…и ещё ${n}`,
    recoveredBy: "Успешная операция",
    settings: "Настройки уведомлений",
    footer: "Письмо отправлено Hookflow. Получателей и частоту писем можно изменить в настройках обработки.",
    unknownError: "ошибка без описания",
  },
  en: {
    subjectFailure: (name: string) => `Hookflow: pipeline "${name}" failed`,
    subjectDigest: (name: string, n: number) => `Hookflow: ${n} more ${n === 1 ? "failure" : "failures"} in pipeline "${name}"`,
    subjectRecovered: (name: string) => `Hookflow: pipeline "${name}" recovered`,
    subjectTest: (name: string) => `Hookflow: test e-mail for pipeline "${name}"`,
    failureIntro: (name: string) => `Pipeline "${name}" failed.`,
    digestIntro: (name: string, n: number, capped: boolean) =>
      `Since the previous e-mail, pipeline "${name}" failed ${capped ? "at least " : ""}${n} more ${n === 1 ? "time" : "times"}.`,
    recoveredIntro: (name: string) => `Pipeline "${name}" runs successfully again — recovered.`,
    recoveredPending: (n: number, capped: boolean) =>
      `Before it recovered, after the previous e-mail, there ${n === 1 ? "was" : "were"} ${capped ? "at least " : ""}${n} more ${n === 1 ? "failure" : "failures"}:`,
    testIntro: (name: string) => `This is a Hookflow test e-mail for pipeline "${name}". If you can read it, failure alerts will reach this address.`,
    pipeline: "Pipeline",
    time: "Time",
    step: "Failed step",
    error: "Error",
    httpStatus: "HTTP status",
    responseBody: "Response body (excerpt)",
    inputs: "Input (first fields)",
    noInputs: "no fields",
    openRun: "Open the run",
    distinctErrors: "Distinct errors",
    times: (n: number) => `${n} ${n === 1 ? "time" : "times"}`,
    runs: "Runs",
    more: (n: number) => `…and ${n} more`,
    recoveredBy: "Successful run",
    settings: "Alert settings",
    footer: "Sent by Hookflow. Recipients and frequency can be changed in the pipeline's settings.",
    unknownError: "error without a message",
  },
} as const;

export type Strings = (typeof strings)[EmailLocale];

export function alertSubject(kind: "FAILURE" | "DIGEST" | "RECOVERED" | "TEST", locale: EmailLocale, pipelineName: string, count = 0): string {
  const s = strings[locale];
  switch (kind) {
    case "FAILURE":
      return s.subjectFailure(pipelineName);
    case "DIGEST":
      return s.subjectDigest(pipelineName, count);
    case "RECOVERED":
      return s.subjectRecovered(pipelineName);
    case "TEST":
      return s.subjectTest(pipelineName);
  }
}
