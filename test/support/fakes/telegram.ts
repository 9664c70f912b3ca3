// A fake Telegram Bot API: /bot<token>/sendMessage as JSON or form, answering like Telegram —
// {"ok":true,"result":Message}, 401 for a wrong token, 400 «chat not found», 429 with retry_after.
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "./http-fake";

export type TelegramMessage = { message_id: number; chat_id: string; text: string; parse_mode?: string };
export type FakeTelegram = FakeServer & { messages: TelegramMessage[]; /** Chats the bot can write to. */ chats: Set<string> };

const fail = (status: number, description: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { ok: false, error_code: status, description, ...extra },
});

export function tooManyRequests(retryAfter: number): { status: number; body: unknown } {
  return fail(429, `Too Many Requests: retry after ${retryAfter}`, { parameters: { retry_after: retryAfter } });
}

// What Telegram's HTML mode accepts: these tags, and &lt; &gt; &amp; &quot; entities. A stray "<" or
// "&" is refused the way Telegram refuses it.
const TAGS = /^\/?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler|blockquote|span)(\s[^>]*)?$/;

function checkHtml(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "<") {
      const end = text.indexOf(">", i);
      if (end < 0 || !TAGS.test(text.slice(i + 1, end))) return `Bad Request: can't parse entities: Unsupported start tag at byte offset ${i}`;
      i = end;
    } else if (text[i] === "&" && !/^&(lt|gt|amp|quot|#\d+);/.test(text.slice(i))) {
      return `Bad Request: can't parse entities: Character entity expected at byte offset ${i}`;
    }
  }
  return null;
}

export async function startFakeTelegram(opts: { token: string; chats: string[]; port?: number }): Promise<FakeTelegram> {
  const messages: TelegramMessage[] = [];
  const chats = new Set(opts.chats);
  let nextId = 1;
  const handle = (req: RecordedRequest): Reply => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path);
    if (!m || m[1] !== opts.token) return fail(401, "Unauthorized");
    if (m[2] !== "sendMessage") return fail(404, "Not Found");
    const p = (typeof req.body === "object" && req.body ? req.body : Object.fromEntries(req.query)) as Record<string, unknown>;
    const chatId = p.chat_id === undefined ? "" : String(p.chat_id);
    const text = typeof p.text === "string" ? p.text : "";
    if (!chatId) return fail(400, "Bad Request: chat_id is empty");
    if (!text.trim()) return fail(400, "Bad Request: message text is empty");
    if (!chats.has(chatId)) return fail(400, "Bad Request: chat not found");
    if (text.length > 4096) return fail(400, "Bad Request: message is too long");
    if (p.parse_mode === "HTML") {
      const err = checkHtml(text);
      if (err) return fail(400, err);
    }
    const msg: TelegramMessage = { message_id: nextId++, chat_id: chatId, text, ...(p.parse_mode ? { parse_mode: String(p.parse_mode) } : {}) };
    messages.push(msg);
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: msg.message_id,
          from: { id: Number(opts.token.split(":")[0]), is_bot: true, first_name: "Hookflow" },
          chat: { id: Number(chatId) || chatId, type: "private" },
          date: Math.floor(Date.now() / 1000),
          text,
        },
      },
    };
  };
  const server = await startFakeServer(handle, opts.port);
  return Object.assign(server, { messages, chats });
}
