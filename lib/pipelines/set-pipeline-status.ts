import { prisma } from "../db";
import { unprocessable } from "../api/errors";
import { pipelineView } from "./pipeline-view";
import { isUuid } from "./get-pipeline";
import { validateDefinition } from "../actions/registry";

/** «Запустить» refuses an invalid pipeline and lists what to fix; «Остановить» always works. */
export async function setPipelineStatus(userId: string, id: string, status: "RUNNING" | "STOPPED") {
  if (!isUuid(id)) return null;
  const current = await prisma.pipeline.findFirst({ where: { id, userId } });
  if (!current) return null;
  if (status === "RUNNING") {
    const result = validateDefinition(current.definition ?? {});
    if (!result.ok) {
      throw unprocessable(`Нельзя запустить: ${result.issues.map((i) => i.text.ru).join("; ")}`, result.issues);
    }
  }
  const row = await prisma.pipeline.update({ where: { id }, data: { status } });
  return pipelineView(row);
}
