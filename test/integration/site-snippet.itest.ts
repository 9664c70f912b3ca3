// «Код для сайта» in a real Chromium: a visitor lands with UTM tags, goes to another page (no tags in
// its URL), fills a form and submits it. The form still submits to the site as before, and the
// обработка receives the form's fields plus the UTM tags of the landing URL, the page and referrer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeDb, prisma } from "../../lib/db";
import { closeQueues } from "../../lib/queue/run-queue";
import { createHookHandler } from "../../lib/webhooks/handle-hook";
import { createIngester } from "../../lib/webhooks/ingest";
import { createPipeline, createUser, privateRunQueue, startServer } from "../support/webhook-fixtures";
import { siteSnippet } from "../../lib/sources/site-snippet";

let user: { id: string };
let pipeline: { id: string; webhookToken: string };
let runQueue: ReturnType<typeof privateRunQueue>;
let hooks: Awaited<ReturnType<typeof startServer>>;
let site: http.Server;
let siteUrl: string;
let browser: Browser;
const submitted: string[] = [];

const page = (title: string, body: string) =>
  `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

beforeAll(async () => {
  user = await createUser();
  pipeline = await createPipeline(user.id, "RUNNING");
  runQueue = privateRunQueue();
  const ingester = createIngester({ enqueue: runQueue.enqueue });
  hooks = await startServer(createHookHandler({ ingester: () => ingester }));
  const snippet = siteSnippet(`${hooks.url}/hooks/${pipeline.webhookToken}`);
  site = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "POST" && path === "/thanks") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        submitted.push(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(page("Спасибо", "<h1>Спасибо, мы перезвоним!</h1>"));
      });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    if (path === "/landing") res.end(page("Салон", `<a id="go" href="/booking">Записаться</a>${snippet}`));
    else if (path === "/booking")
      res.end(
        page(
          "Запись",
          `<form id="booking" name="booking" action="/thanks" method="post">
             <input name="name"><input name="phone" type="tel"><textarea name="comment"></textarea>
             <input name="password" type="password" value="secret">
             <label><input type="checkbox" name="agree" value="да"> согласен</label>
             <select name="service"><option>Стрижка</option><option>Маникюр</option></select>
             <button type="submit">Отправить</button>
           </form>${snippet}`,
        ),
      );
    else res.end(page("Нет", "нет такой страницы"));
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking"] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (site ? site.close(() => r()) : r()));
  await hooks?.close();
  await runQueue?.close();
  if (user) await prisma.user.delete({ where: { id: user.id } });
  await closeQueues();
  await closeDb();
});

it("the form submits normally and the обработка gets its fields plus the landing URL's UTM tags", async () => {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`${siteUrl}/landing?utm_source=yandex&utm_medium=cpc&utm_campaign=%D0%BE%D1%81%D0%B5%D0%BD%D1%8C&yclid=123456`, {
    referer: "https://yandex.ru/search/?text=салон",
  });
  await tab.click("#go");
  await tab.waitForURL(`${siteUrl}/booking`);
  await tab.fill("input[name=name]", "Ольга «Лиса» 💅");
  await tab.fill("input[name=phone]", "8 (912) 000-11-22");
  await tab.fill("textarea[name=comment]", "после 18:00\nпо будням");
  await tab.check("input[name=agree]");
  await tab.selectOption("select[name=service]", "Маникюр");
  await tab.click("button[type=submit]");
  await tab.waitForURL(`${siteUrl}/thanks`);
  await expect.poll(() => tab.textContent("h1")).toBe("Спасибо, мы перезвоним!");
  expect(submitted).toHaveLength(1);
  // Tags the landing URL did not have are not sent at all (no empty utm_content etc.).
  expect(new URLSearchParams(submitted[0]).get("name")).toBe("Ольга «Лиса» 💅");

  await expect.poll(() => prisma.run.count({ where: { pipelineId: pipeline.id } }), { timeout: 15_000 }).toBe(1);
  const run = await prisma.run.findFirstOrThrow({ where: { pipelineId: pipeline.id } });
  expect(run.status).toBe("QUEUED");
  expect(run.payload).toEqual({
    name: "Ольга «Лиса» 💅",
    phone: "8 (912) 000-11-22",
    comment: "после 18:00\nпо будням",
    agree: "да",
    service: "Маникюр",
    utm_source: "yandex",
    utm_medium: "cpc",
    utm_campaign: "осень",
    yclid: "123456",
    page_url: `${siteUrl}/booking`,
    landing_url: `${siteUrl}/landing?utm_source=yandex&utm_medium=cpc&utm_campaign=%D0%BE%D1%81%D0%B5%D0%BD%D1%8C&yclid=123456`,
    referrer: "https://yandex.ru/search/?text=%D1%81%D0%B0%D0%BB%D0%BE%D0%BD",
    form_name: "booking",
  });
  await context.close();
});
