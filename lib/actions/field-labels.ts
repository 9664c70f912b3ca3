// What people call each action setting — the editor shows the same words (messages/<locale>/
// editor.json "fields"; registry.test.ts keeps the two in step). Validation and run errors name
// fields by these labels, never by config keys (bodyJson, template.emails[0], input).
import type { Localized } from "./define-action";

export const FIELD_LABELS: Record<string, Localized> = {
  mode: { ru: "Режим", en: "Mode" },
  template: { ru: "Шаблон", en: "Template" },
  fields: { ru: "Поля", en: "Fields" },
  onMissing: { ru: "Если значения нет", en: "When a value is missing" },
  method: { ru: "Метод", en: "Method" },
  url: { ru: "Адрес", en: "URL" },
  query: { ru: "Параметры запроса", en: "Query parameters" },
  headers: { ru: "Заголовки", en: "Headers" },
  bodyType: { ru: "Тело", en: "Body" },
  bodyJson: { ru: "Тело запроса", en: "Request body" },
  bodyForm: { ru: "Поля формы", en: "Form fields" },
  bodyRaw: { ru: "Текст тела", en: "Body text" },
  rawContentType: { ru: "Content-Type текста", en: "Text Content-Type" },
  timeoutSeconds: { ru: "Таймаут, секунд", en: "Timeout, seconds" },
  acceptNon2xx: { ru: "Не считать ошибкой ответы 4xx/5xx", en: "Do not treat 4xx/5xx responses as errors" },
  maxAttempts: { ru: "Попыток при сбое (сеть, 429, 5xx)", en: "Attempts on failure (network, 429, 5xx)" },
  input: { ru: "JSON (откуда брать)", en: "JSON (take from)" },
  outputs: { ru: "Поля результата", en: "Output fields" },
  groups: { ru: "Условия", en: "Conditions" },
  branches: { ru: "Ветки (проверяются по порядку)", en: "Branches (checked in order)" },
  elseName: { ru: "Название ветки «Иначе»", en: "Name of the “Otherwise” branch" },
  amount: { ru: "Сколько ждать", en: "How long" },
  unit: { ru: "Единица", en: "Unit" },
  at: { ru: "Ждать до (дата и время из полей)", en: "Wait until (date and time from fields)" },
  offsetAmount: { ru: "Сдвиг", en: "Offset" },
  offsetUnit: { ru: "Единица сдвига", en: "Offset unit" },
  offsetDirection: { ru: "Сдвиг — до или после", en: "Offset before or after" },
  timezone: { ru: "Часовой пояс (если в дате он не указан)", en: "Time zone (when the date has none)" },
  rateLimitPerSecond: {
    ru: "Не чаще N запросов в секунду к этому хосту (0 — без ограничения)",
    en: "At most N requests per second to this host (0 — no limit)",
  },
  collection: { ru: "Коллекция", en: "Collection" },
  by: { ru: "Увеличить на", en: "Increase by" },
  ttlMinutes: { ru: "Срок хранения, минут (пусто — бессрочно)", en: "Keep for, minutes (empty — no expiry)" },
  operation: { ru: "Действие", en: "Action" },
  key: { ru: "Ключ", en: "Key" },
  value: { ru: "Значение (JSON)", en: "Value (JSON)" },
  valuePath: { ru: "Путь к id в ответе (его и сохранить)", en: "Path to the id in the response (saved)" },
};

const PART: Record<string, Localized> = {
  key: { ru: "ключ", en: "key" },
  value: { ru: "значение", en: "value" },
  name: { ru: "название", en: "name" },
  path: { ru: "путь", en: "path" },
  type: { ru: "тип", en: "type" },
};

/** The Russian label of a setting in quotes, for run-time messages: "bodyJson" → «Тело запроса». */
export const fieldName = (key: string): string => `«${FIELD_LABELS[key]?.ru ?? key}»`;

/**
 * A config path as people read it: "config.bodyJson" → «Тело запроса»; "config.headers[0].key" →
 * «Заголовки», строка 1, ключ. Null for paths outside the config.
 */
export function labelPath(path: string): Localized | null {
  const m = /^config\.([A-Za-z0-9_]+)(.*)$/.exec(path);
  if (!m) return null;
  const label = FIELD_LABELS[m[1]] ?? { ru: m[1], en: m[1] };
  const out = { ru: `«${label.ru}»`, en: `"${label.en}"` };
  for (const seg of m[2].match(/\[\d+\]|\.[A-Za-z0-9_]+/g) ?? []) {
    if (seg.startsWith("[")) {
      const n = Number(seg.slice(1, -1)) + 1;
      out.ru += `, строка ${n}`;
      out.en += `, row ${n}`;
    } else {
      const p = PART[seg.slice(1)] ?? { ru: seg.slice(1), en: seg.slice(1) };
      out.ru += `, ${p.ru}`;
      out.en += `, ${p.en}`;
    }
  }
  return out;
}
