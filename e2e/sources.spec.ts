// Several sources per обработка (docs/sources.md), end to end: an обработка made through the API
// before it had sources (one URL) gets a second source in the editor; each source has its own URL;
// one event to each URL runs through the real worker; «Условие» branches on {{source.name}}; the history
// names each run's source and filters by it; the run detail names it too. Screenshots go to
// docs/img/sources-*.png (docs/sources.md shows them).
import { test, expect, type APIRequestContext, type Page } from "@playwright/test";
import { apiUser, loginViaUi } from "../test/support/e2e-helpers";

const compose = (id: string, name: string) => ({
  id,
  type: "json-composer",
  name,
  config: { mode: "template", template: '{ "from": "{{source.name}}", "client": "{{source.client}}" }', fields: [], onMissing: "fail" },
});
const definition = {
  // The form of a definition saved before several sources: top-level fields, no `sources`.
  sourceFields: [{ path: "client" }],
  steps: [
    // «Условие» on the name of the source that delivered the event.
    {
      id: "who",
      type: "condition",
      name: "Откуда заявка",
      config: {
        branches: [{ key: "b1", name: "С лендинга", groups: [{ conditions: [{ left: "{{source.name}}", op: "eq", right: "Лендинг" }] }] }],
        elseName: "С сайта",
      },
    },
    compose("landing", "Заявка с лендинга"),
    compose("site", "Заявка с сайта"),
  ],
  edges: [
    { from: "source", to: "who" },
    { from: "who", to: "landing", branch: "b1" },
    { from: "who", to: "site", branch: "else" },
  ],
};

type RunItem = { id: string; status: string; sourceName: string | null };

async function runsOf(request: APIRequestContext, baseURL: string, auth: Record<string, string>, query: string): Promise<RunItem[]> {
  const res = await request.get(`${baseURL}/api/v1/runs?${query}`, { headers: auth });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).runs;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `docs/img/sources-${name}.png` });
}

test("two sources: each has its URL, steps see source.name, the history shows and filters by source", async ({ page, request, baseURL }) => {
  test.setTimeout(180_000);
  const user = await apiUser(request, baseURL!, "sources");
  const created = await request.post(`${baseURL}/api/v1/pipelines`, { headers: user.auth, data: { name: "Заявки с сайтов", definition } });
  expect(created.status()).toBe(201);
  const pipeline = (await created.json()).pipeline as { id: string; webhookUrl: string; sources: { id: string; name: string; webhookUrl: string }[] };
  // One source, whose URL is the обработка's URL.
  expect(pipeline.sources).toHaveLength(1);
  expect(pipeline.sources[0].webhookUrl).toBe(pipeline.webhookUrl);

  await page.setViewportSize({ width: 1024, height: 800 });
  await loginViaUi(page, user.email);
  await page.goto(`/pipelines/${pipeline.id}`);
  await page.getByTestId("source-node").click();
  const panel = page.getByTestId("source-panel");
  await expect(panel.getByTestId("source-tab")).toHaveCount(1);
  await expect(panel.getByTestId("webhook-url")).toHaveValue(pipeline.webhookUrl);
  // The only source cannot be deleted.
  await expect(panel.getByTestId("delete-source")).toBeDisabled();

  // Rename the first source, add a second one and name it.
  await panel.getByTestId("source-name").fill("Сайт");
  await panel.getByTestId("add-source").click();
  await expect(panel.getByTestId("source-tab")).toHaveCount(2);
  await expect(panel.getByTestId("source-tab").nth(1)).toHaveAttribute("aria-selected", "true");
  await expect(panel.getByTestId("url-after-save")).toBeVisible();
  // A nameless source is not saved; the message names the source, not a field path.
  await panel.getByTestId("source-name").fill("");
  await page.getByTestId("save").click();
  await expect(page.getByRole("alert").filter({ hasText: "Источник 2: у источника должно быть название" })).toBeVisible();
  await panel.getByTestId("source-name").fill("Лендинг");
  await expect(panel.getByTestId("source-tab").nth(1)).toContainText("Лендинг");
  await expect(page.getByTestId("unsaved")).toBeVisible();
  await page.getByTestId("save").click();
  await expect(page.getByTestId("unsaved")).toBeHidden();

  // After saving, the new source has its own URL.
  const urlB = await panel.getByTestId("webhook-url").inputValue();
  expect(urlB).toContain("/hooks/");
  expect(urlB).not.toBe(pipeline.webhookUrl);
  await expect(page.getByTestId("source-node-names")).toHaveText("Сайт, Лендинг");
  await shot(page, "editor");
  await panel.getByTestId("source-tab").first().click();
  await expect(panel.getByTestId("webhook-url")).toHaveValue(pipeline.webhookUrl);

  // «Условие» and other steps can pick the source's name.
  const view = (await (await request.get(`${baseURL}/api/v1/pipelines/${pipeline.id}`, { headers: user.auth })).json()).pipeline;
  expect(view.sources.map((s: { name: string }) => s.name)).toEqual(["Сайт", "Лендинг"]);
  expect(view.sources[1].webhookUrl).toBe(urlB);

  // One event to each URL (the old URL keeps working), run by the worker.
  expect((await request.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/start`, { headers: user.auth })).ok()).toBeTruthy();
  expect((await request.post(pipeline.webhookUrl, { data: { client: "Анна" } })).status()).toBe(200);
  expect((await request.post(urlB, { form: { client: "Борис" } })).status()).toBe(200);
  await expect
    .poll(async () => (await runsOf(request, baseURL!, user.auth, `pipelineId=${pipeline.id}`)).map((r) => `${r.sourceName}:${r.status}`).sort())
    .toEqual(["Лендинг:SUCCEEDED", "Сайт:SUCCEEDED"]);

  // «Условие» branched on {{source.name}}, and the step on the branch read it too.
  const runs = await runsOf(request, baseURL!, user.auth, `pipelineId=${pipeline.id}`);
  for (const r of runs) {
    const detail = (await (await request.get(`${baseURL}/api/v1/runs/${r.id}`, { headers: user.auth })).json()).run;
    const step = (id: string) => detail.steps.find((s: { stepId: string }) => s.stepId === id);
    const taken = r.sourceName === "Лендинг" ? "landing" : "site";
    expect(step("who").output.branchName).toBe(r.sourceName === "Лендинг" ? "С лендинга" : "С сайта");
    expect(step(taken).status).toBe("SUCCEEDED");
    expect(step(taken === "landing" ? "site" : "landing").status).toBe("SKIPPED");
    expect(step(taken).output.result.from).toBe(r.sourceName);
    expect(detail.source.name).toBe(r.sourceName);
  }

  // The history: a «Источник» column, and a filter by source kept in the URL.
  await page.goto(`/history?pipelineId=${pipeline.id}`);
  const rows = page.getByTestId("run-row");
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId("run-source")).toHaveText(["Лендинг", "Сайт"]);
  await shot(page, "history");
  await page.getByTestId("source-filter").selectOption({ label: "Лендинг" });
  await expect(page).toHaveURL(new RegExp(`sourceId=${view.sources[1].id}`));
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("run-source")).toHaveText(["Лендинг"]);
  await expect(page.getByTestId("run-summary")).toContainText("Борис");
  await shot(page, "history-filtered");
  // The API filters the same way; the first source also owns nothing of the second's.
  expect((await runsOf(request, baseURL!, user.auth, `pipelineId=${pipeline.id}&sourceId=${view.sources[0].id}`)).map((r) => r.sourceName)).toEqual(["Сайт"]);

  // The run detail names its source, linking to the filtered history.
  await rows.first().click();
  await expect(page.getByTestId("run-detail")).toBeVisible();
  await expect(page.getByTestId("run-source")).toContainText("Лендинг");
  await shot(page, "run");
});
