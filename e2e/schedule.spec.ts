// «По расписанию» end to end (docs/schedule.md): in the editor a source's type becomes «По
// расписанию» and its «Расписание» settings appear (errors name the field); saved and started,
// the real worker fires it (every minute: the shortest real interval) and the run, executed with
// {{source.scheduledFor}}, is marked «по расписанию» in the history list and the run detail.
// Screenshots go to docs/img/schedule-*.png (docs/schedule.md shows them).
import { test, expect, type Page } from "@playwright/test";
import { apiUser, loginViaUi } from "../test/support/e2e-helpers";

const definition = {
  steps: [
    {
      id: "compose",
      type: "json-composer",
      name: "Отчёт",
      config: { mode: "template", template: '{ "at": "{{source.scheduledFor}}" }', fields: [], onMissing: "fail" },
    },
  ],
};

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `docs/img/schedule-${name}.png` });
}

test("a schedule source: settings in the editor, fired by the worker, «по расписанию» in the history", async ({ page, request, baseURL }) => {
  test.setTimeout(240_000);
  const user = await apiUser(request, baseURL!, "schedule");
  const created = await request.post(`${baseURL}/api/v1/pipelines`, { headers: user.auth, data: { name: "Ежеминутный отчёт", definition } });
  expect(created.status()).toBe(201);
  const pipeline = (await created.json()).pipeline as { id: string };

  await page.setViewportSize({ width: 1024, height: 800 });
  await loginViaUi(page, user.email);
  await page.goto(`/pipelines/${pipeline.id}`);
  await page.getByTestId("source-node").click();
  const panel = page.getByTestId("source-panel");
  await panel.getByTestId("source-name").fill("Каждую минуту");
  await panel.getByTestId("source-type").selectOption("schedule");
  const settings = panel.getByTestId("schedule-settings");
  await expect(settings).toBeVisible();
  // No URL for a schedule source; every N minutes by default.
  await expect(panel.getByTestId("webhook-url")).toHaveCount(0);
  await expect(settings.getByTestId("schedule-kind")).toHaveValue("interval");

  // Weekly: days, time and zone; a wrong zone is named by its label.
  await settings.getByTestId("schedule-kind").selectOption("weekly");
  await expect(settings.getByTestId("schedule-weekdays")).toBeVisible();
  await settings.getByTestId("schedule-time").fill("09:30");
  await settings.getByTestId("schedule-timezone").fill("Марс/Олимп");
  await expect(settings.getByRole("alert")).toContainText("неизвестный часовой пояс «Марс/Олимп»");
  await settings.getByTestId("schedule-timezone").fill("Asia/Yekaterinburg");
  await expect(settings.getByRole("alert")).toHaveCount(0);
  await expect(settings.getByTestId("schedule-summary")).toHaveText("Запуск: по дням (пн, вт, ср, чт, пт) в 09:30 (Asia/Yekaterinburg)");
  await shot(page, "editor");

  // Every minute, saved and started.
  await settings.getByTestId("schedule-kind").selectOption("interval");
  await settings.getByTestId("schedule-minutes").fill("0");
  await expect(settings.getByRole("alert")).toContainText("целое число от 1 до 10080");
  await settings.getByTestId("schedule-minutes").fill("1");
  await expect(settings.getByTestId("schedule-summary")).toHaveText("Запуск: каждые 1 мин");
  await page.getByTestId("save").click();
  await expect(page.getByTestId("unsaved")).toBeHidden();
  const view = (await (await request.get(`${baseURL}/api/v1/pipelines/${pipeline.id}`, { headers: user.auth })).json()).pipeline;
  expect(view.definition.sources[0]).toMatchObject({
    name: "Каждую минуту",
    type: "schedule",
    schedule: { kind: "interval", minutes: 1, timezone: "Asia/Yekaterinburg" },
  });
  expect((await request.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/start`, { headers: user.auth })).ok()).toBeTruthy();

  // The worker fires it about a minute after the start; the step saw source.scheduledFor.
  type RunItem = { id: string; status: string; method: string };
  let run: RunItem | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get(`${baseURL}/api/v1/runs?pipelineId=${pipeline.id}`, { headers: user.auth });
        run = ((await res.json()).runs as RunItem[]).find((r) => r.status === "SUCCEEDED");
        return run?.method;
      },
      { timeout: 150_000 },
    )
    .toBe("SCHEDULE");
  const detail = (await (await request.get(`${baseURL}/api/v1/runs/${run!.id}`, { headers: user.auth })).json()).run;
  expect(detail.steps[0].output.result).toEqual({ at: detail.payload.scheduledFor });
  // Stopped: the schedule stops with it (the API answers; the scheduler is gone, see the itest).
  expect((await request.post(`${baseURL}/api/v1/pipelines/${pipeline.id}/stop`, { headers: user.auth })).ok()).toBeTruthy();

  await page.goto(`/history?pipelineId=${pipeline.id}`);
  const row = page
    .getByTestId("run-row")
    .filter({ has: page.getByTestId("run-scheduled") })
    .first();
  await expect(row.getByTestId("run-scheduled")).toHaveText("по расписанию");
  await shot(page, "history");
  await page.goto(`/history/${run!.id}`);
  await expect(page.getByTestId("run-detail").getByTestId("run-scheduled")).toHaveText("по расписанию");
  await expect(page.getByTestId("request")).toContainText("Запуск по расписанию");
  await expect(page.getByTestId("request-query")).toHaveCount(0);
  await shot(page, "run");
});
