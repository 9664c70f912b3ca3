import { prisma } from "../db";
import { ValidationError } from "../errors";
import { pipelineView } from "./pipeline-view";
import { isUuid } from "../uuid";
import { validateDefinition } from "../actions/registry";
import { enqueueRuns } from "../queue/run-queue";
import { hasScheduleSource, reconcilePipelineSchedules } from "../schedule/scheduler";

/** «Запустить» refuses an invalid pipeline and lists what to fix; «Остановить» always works. */
export async function setPipelineStatus(userId: string, id: string, status: "RUNNING" | "STOPPED") {
  if (!isUuid(id)) return null;
  const current = await prisma.pipeline.findFirst({ where: { id, userId } });
  if (!current) return null;
  if (status === "RUNNING") {
    const result = validateDefinition(current.definition ?? {});
    if (!result.ok) {
      throw new ValidationError(`Нельзя запустить: ${result.issues.map((i) => i.text.ru).join("; ")}`, { details: result.issues });
    }
  }
  const row = await prisma.pipeline.update({ where: { id }, data: { status }, include: { sources: true } });
  if (status === "RUNNING") {
    // Runs held in «Задержка» while it was stopped continue now (those whose time has come; the
    // others still have their delayed job). Redis down: the sweeper wakes them later.
    const held = await prisma.run.findMany({
      where: { pipelineId: id, status: "WAITING", waitUntil: { lte: new Date() } },
      select: { id: true },
      take: 10_000,
    });
    if (held.length > 0) await enqueueRuns(held.map((r) => r.id)).catch(() => undefined);
  }
  // «По расписанию» sources fire only while the pipeline is RUNNING.
  if (hasScheduleSource(row.definition)) await reconcilePipelineSchedules(id);
  return pipelineView(row);
}
