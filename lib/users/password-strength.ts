// Password policy: at least MIN_PASSWORD_LENGTH characters and not guessable, judged by zxcvbn-ts
// (a maintained port of Dropbox's zxcvbn) with its common-password and common-word dictionaries,
// bundled in the npm packages — no network. Score 0–4; below MIN_SCORE is refused with a reason
// the person can act on.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;
export const MIN_SCORE = 3;

let factory: ZxcvbnFactory | undefined;
const zxcvbn = () => (factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs }));

type Locale = "ru" | "en";

const WARNINGS: Record<string, Record<Locale, string>> = {
  topTen: { ru: "это один из самых распространённых паролей", en: "this is one of the most common passwords" },
  topHundred: { ru: "это один из самых распространённых паролей", en: "this is one of the most common passwords" },
  common: { ru: "это распространённый пароль", en: "this is a commonly used password" },
  similarToCommon: { ru: "он похож на распространённый пароль", en: "it is similar to a commonly used password" },
  wordByItself: { ru: "одно слово легко подобрать", en: "a single word is easy to guess" },
  namesByThemselves: { ru: "имена и фамилии легко подобрать", en: "names and surnames are easy to guess" },
  commonNames: { ru: "распространённые имена легко подобрать", en: "common names are easy to guess" },
  userInputs: { ru: "в нём есть ваш адрес почты или имя", en: "it contains your e-mail address or name" },
  straightRow: { ru: "ряд клавиш подряд легко подобрать", en: "a straight row of keys is easy to guess" },
  keyPattern: { ru: "узор на клавиатуре легко подобрать", en: "a keyboard pattern is easy to guess" },
  simpleRepeat: { ru: "повторы вроде «aaa» легко подобрать", en: 'repeats like "aaa" are easy to guess' },
  extendedRepeat: { ru: "повторы вроде «abcabc» легко подобрать", en: 'repeats like "abcabc" are easy to guess' },
  sequences: { ru: "последовательности вроде «1234» или «abcd» легко подобрать", en: "sequences like 1234 or abcd are easy to guess" },
  recentYears: { ru: "недавние годы легко подобрать", en: "recent years are easy to guess" },
  dates: { ru: "даты легко подобрать", en: "dates are easy to guess" },
};

const ADVICE: Record<Locale, string> = {
  ru: "Возьмите фразу из трёх-четырёх несвязанных слов или добавьте ещё слово, цифры и знаки.",
  en: "Use a phrase of three or four unrelated words, or add another word, digits and symbols.",
};

/** null when the password is acceptable; otherwise what is wrong and what to do, in the given language. */
export function passwordProblem(password: string, userInputs: string[] = [], locale: Locale = "ru"): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return locale === "en"
      ? `The password is too short: at least ${MIN_PASSWORD_LENGTH} characters. ${ADVICE.en}`
      : `Пароль слишком короткий: нужно не меньше ${MIN_PASSWORD_LENGTH} символов. ${ADVICE.ru}`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return locale === "en" ? `The password is longer than ${MAX_PASSWORD_LENGTH} characters` : `Пароль длиннее ${MAX_PASSWORD_LENGTH} символов`;
  }
  // Parts of the e-mail ("anna.salon@mail.ru" → anna, salon, mail) count as guessable words.
  const inputs = userInputs.flatMap((s) => [s, ...s.toLowerCase().split(/[^\p{L}\p{N}]+/u)]).filter((s) => s.length >= 3);
  // zxcvbn's cost grows with length; the first 100 characters decide.
  const result = zxcvbn().check(password.slice(0, 100), inputs);
  if (result.score >= MIN_SCORE) return null;
  const why = WARNINGS[result.feedback.warning ?? ""]?.[locale];
  return locale === "en"
    ? `The password is too easy to guess${why ? `: ${why}` : ""}. ${ADVICE.en}`
    : `Пароль слишком простой${why ? `: ${why}` : ""}. ${ADVICE.ru}`;
}
