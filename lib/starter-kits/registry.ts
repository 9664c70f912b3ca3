// The pipeline templates offered by «Создать из шаблона». Pure (no env, no Prisma): the wizard
// imports it in the browser for titles, inputs and their checks; the server builds the definition.
// Each template declares what it needs from the user — a secret and any other inputs — so the
// wizard and the from-template API need no per-destination code (Weeek's live funnel/status pick
// is the one exception, flagged by `weeek`).
import type { PipelineDefinition } from "../definition/schema";
import { DEFAULT_KLIENTIKS_EVENT, type KlientiksEventId } from "./klientiks-events";
import type { Localized } from "./klientiks-mapping";
import { buildWeeekContactDealDefinition, buildWeeekContactDefinition, buildWeeekDealNoDuplicatesDefinition } from "./klientiks-weeek";
import { buildAmoLeadDefinition, checkAmoBaseUrl } from "./klientiks-amocrm";
import { buildBitrixLeadDefinition, checkBitrixWebhook } from "./klientiks-bitrix24";
import {
  buildTelegramMessageDefinition,
  checkBotToken,
  checkChatId,
  checkTelegramApiUrl,
  TELEGRAM_API_URL,
  type TelegramParseMode,
} from "./klientiks-telegram";
import type { KitCredential, KitInput } from "./kit-inputs";

export type { Localized };

export type KitBuildInput = {
  klientiksEvent: KlientiksEventId;
  /** Name of the credential holding the template's secret. */
  credentialName: string;
  /** The template's inputs, checked (checkKitValues); Weeek templates have none. */
  values?: Record<string, string>;
  /** Weeek templates: env WEEEK_BASE_URL and the chosen funnel status. */
  weeekBaseUrl?: string;
  statusId?: string;
};

export type StarterKit = {
  id: string;
  destination: "weeek" | "amocrm" | "bitrix24" | "telegram";
  title: Localized;
  description: Localized;
  credential: KitCredential;
  inputs: readonly KitInput[];
  /** Weeek: the token is checked and a funnel status picked live through /api/v1/weeek/*. */
  weeek?: { status: boolean };
  /** Where the user reads how to set it up. */
  docs: string;
  defaultEvent: KlientiksEventId;
  build(input: KitBuildInput): PipelineDefinition;
};

const WEEEK_CREDENTIAL: KitCredential = {
  defaultName: "Weeek токен",
  label: { ru: "Токен Weeek", en: "Weeek token" },
  hint: {
    ru: "Создайте токен в Weeek: Настройки → API (раздел для интеграций) и вставьте его сюда. Токен не показывается после сохранения.",
    en: "Create a token in Weeek: Settings → API (integrations) and paste it here. It is not shown again after saving.",
  },
};

function required(i: KitBuildInput, key: string): string {
  const v = i.values?.[key];
  if (!v) throw new Error(`template input ${key} is required`);
  return v;
}

const weeekBase = (i: KitBuildInput) => i.weeekBaseUrl ?? "https://api.weeek.net";

/** What the Klientiks → Weeek kits share. */
const WEEEK_KIT = { destination: "weeek", credential: WEEEK_CREDENTIAL, inputs: [], docs: "docs/klientiks-weeek.md" } satisfies Partial<StarterKit>;

export const STARTER_KITS: readonly StarterKit[] = [
  {
    id: "klientiks-weeek-deal",
    ...WEEEK_KIT,
    title: { ru: "Клиентикс → Weeek: контакт и сделка", en: "Klientiks → Weeek: contact and deal" },
    description: {
      ru: "Создаёт контакт в Weeek, сделку в выбранном статусе воронки и привязывает контакт к сделке (8 шагов).",
      en: "Creates a Weeek contact, a deal in the chosen funnel status, and links the contact to the deal (8 steps).",
    },
    weeek: { status: true },
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: (i) =>
      buildWeeekContactDealDefinition({ weeekBaseUrl: weeekBase(i), credentialName: i.credentialName, statusId: i.statusId, klientiksEvent: i.klientiksEvent }),
  },
  {
    id: "klientiks-weeek-deal-no-duplicates",
    ...WEEEK_KIT,
    title: { ru: "Клиентикс → Weeek: сделка без дублей контактов", en: "Klientiks → Weeek: deal without duplicate contacts" },
    description: {
      ru: "Контакт создаётся один раз на клиента Клиентикс (его id запоминается в «Хранилище»), каждое следующее событие добавляет только сделку, привязанную к этому контакту (10 шагов, ветвление «Условие»).",
      en: "The contact is created once per Klientiks client (its id is kept in the «Store»); every later event only adds a deal linked to that contact (10 steps, a «Condition» branch).",
    },
    weeek: { status: true },
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: (i) =>
      buildWeeekDealNoDuplicatesDefinition({
        weeekBaseUrl: weeekBase(i),
        credentialName: i.credentialName,
        statusId: i.statusId,
        klientiksEvent: i.klientiksEvent,
      }),
  },
  {
    id: "klientiks-weeek-contact",
    ...WEEEK_KIT,
    title: { ru: "Клиентикс → Weeek: только контакт", en: "Klientiks → Weeek: contact only" },
    description: {
      ru: "Создаёт контакт в Weeek для каждого события Клиентикс (3 шага).",
      en: "Creates a Weeek contact for every Klientiks event (3 steps).",
    },
    weeek: { status: false },
    defaultEvent: "client_created",
    build: (i) => buildWeeekContactDefinition({ weeekBaseUrl: weeekBase(i), credentialName: i.credentialName, klientiksEvent: i.klientiksEvent }),
  },
  {
    id: "klientiks-amocrm-lead",
    destination: "amocrm",
    title: { ru: "Клиентикс → amoCRM: сделка с контактом", en: "Klientiks → amoCRM: deal with a contact" },
    description: {
      ru: "Создаёт в amoCRM сделку вместе с контактом (телефон, e-mail) одним запросом и сохраняет их id (3 шага).",
      en: "Creates an amoCRM deal together with its contact (phone, e-mail) in one request and keeps their ids (3 steps).",
    },
    credential: {
      defaultName: "amoCRM токен",
      label: { ru: "Долгосрочный токен amoCRM", en: "amoCRM long-lived token" },
      hint: {
        ru: "amoCRM → amoМаркет → ⋯ → Создать интеграцию (внешняя) → вкладка «Ключи и доступы» → «Сгенерировать долгосрочный токен». Скопируйте его сюда: он показывается один раз.",
        en: "amoCRM → amoMarket → ⋯ → Create integration (external) → «Keys and scopes» → «Generate long-lived token». Paste it here: it is shown only once.",
      },
    },
    inputs: [
      {
        kind: "text",
        key: "baseUrl",
        label: { ru: "Адрес amoCRM", en: "amoCRM address" },
        hint: {
          ru: "Поддомен вашего аккаунта (mycompany) или адрес целиком: https://mycompany.amocrm.ru",
          en: "Your account's subdomain (mycompany) or the whole address: https://mycompany.amocrm.ru",
        },
        placeholder: "mycompany",
        check: checkAmoBaseUrl,
      },
    ],
    docs: "docs/amocrm.md",
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: (i) => buildAmoLeadDefinition({ baseUrl: required(i, "baseUrl"), credentialName: i.credentialName, klientiksEvent: i.klientiksEvent }),
  },
  {
    id: "klientiks-bitrix24-lead",
    destination: "bitrix24",
    title: { ru: "Клиентикс → Битрикс24: лид", en: "Klientiks → Bitrix24: lead" },
    description: {
      ru: "Создаёт лид в Битрикс24 через входящий вебхук: имя, телефон, e-mail, сумма, комментарий (3 шага).",
      en: "Creates a Bitrix24 lead through an incoming webhook: name, phone, e-mail, amount, comment (3 steps).",
    },
    credential: {
      defaultName: "Битрикс24 вебхук",
      label: { ru: "Адрес входящего вебхука Битрикс24", en: "Bitrix24 incoming webhook address" },
      hint: {
        ru: "Битрикс24 → Разработчикам → Другое → Входящий вебхук, права «CRM (crm)». Скопируйте адрес вида https://портал.bitrix24.ru/rest/1/abc123xyz/ — в нём секретный код, поэтому он хранится как ключ доступа.",
        en: "Bitrix24 → Developer resources → Other → Inbound webhook with the «CRM (crm)» scope. Copy the address https://portal.bitrix24.ru/rest/1/abc123xyz/ — it holds the secret code, so it is kept as a credential.",
      },
      placeholder: "https://портал.bitrix24.ru/rest/1/abc123xyz/",
      check: checkBitrixWebhook,
    },
    inputs: [],
    docs: "docs/bitrix24.md",
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: (i) => buildBitrixLeadDefinition({ credentialName: i.credentialName, klientiksEvent: i.klientiksEvent }),
  },
  {
    id: "klientiks-telegram-message",
    destination: "telegram",
    title: { ru: "Клиентикс → Telegram: сообщение", en: "Klientiks → Telegram: message" },
    description: {
      ru: "Присылает в чат, группу или канал Telegram понятное сообщение о событии: клиент, телефон, время, услуги, сумма (3 шага).",
      en: "Posts a readable message about the event to a Telegram chat, group or channel: client, phone, time, services, amount (3 steps).",
    },
    credential: {
      defaultName: "Telegram бот",
      label: { ru: "Токен бота Telegram", en: "Telegram bot token" },
      hint: {
        ru: "Напишите @BotFather команду /newbot — он пришлёт токен вида 123456789:AAH…. Добавьте бота в группу или канал (в канал — администратором).",
        en: "Send /newbot to @BotFather — it replies with a token like 123456789:AAH…. Add the bot to the group or channel (as an admin for a channel).",
      },
      placeholder: "123456789:AAH…",
      check: checkBotToken,
    },
    inputs: [
      {
        kind: "text",
        key: "chatId",
        label: { ru: "ID чата", en: "Chat id" },
        hint: {
          ru: "Число (у групп и каналов отрицательное: -1001234567890) или @имя публичного канала. Узнать ID: напишите боту и откройте https://api.telegram.org/bot<токен>/getUpdates.",
          en: "A number (negative for groups and channels: -1001234567890) or a public @channelname. To find it, message the bot and open https://api.telegram.org/bot<token>/getUpdates.",
        },
        placeholder: "-1001234567890",
        check: checkChatId,
      },
      {
        kind: "choice",
        key: "parseMode",
        label: { ru: "Оформление", en: "Formatting" },
        hint: {
          ru: "HTML: подписи полей жирным, значения экранируются. Без оформления: простой текст.",
          en: "HTML: bold field labels, values escaped. Plain: text as is.",
        },
        options: [
          { value: "HTML", label: { ru: "HTML (жирные подписи)", en: "HTML (bold labels)" } },
          { value: "none", label: { ru: "Без оформления", en: "Plain text" } },
        ],
        defaultValue: "HTML",
      },
      {
        kind: "text",
        key: "apiUrl",
        label: { ru: "Адрес Bot API", en: "Bot API address" },
        hint: {
          ru: "Менять не нужно, если у вас нет своего сервера Telegram Bot API.",
          en: "Leave as is unless you run your own Telegram Bot API server.",
        },
        optional: true,
        defaultValue: TELEGRAM_API_URL,
        check: checkTelegramApiUrl,
      },
    ],
    docs: "docs/telegram.md",
    defaultEvent: DEFAULT_KLIENTIKS_EVENT,
    build: (i) =>
      buildTelegramMessageDefinition({
        apiUrl: i.values?.apiUrl ?? TELEGRAM_API_URL,
        credentialName: i.credentialName,
        chatId: required(i, "chatId"),
        parseMode: (i.values?.parseMode ?? "HTML") as TelegramParseMode,
        klientiksEvent: i.klientiksEvent,
      }),
  },
];

export function getStarterKit(id: string): StarterKit | undefined {
  return STARTER_KITS.find((t) => t.id === id);
}

/** Inputs that are advanced: optional ones with a default the user rarely changes. */
export const isAdvancedInput = (i: KitInput) => !!i.optional && i.defaultValue !== undefined;
