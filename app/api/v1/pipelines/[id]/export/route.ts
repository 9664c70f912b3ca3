import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { exportPipeline } from "@/lib/pipelines/export-pipeline";

export const GET = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const exported = await exportPipeline(userId, params.id);
  if (!exported) throw notFound("Обработка не найдена");
  const { file, removedSecrets } = exported;
  const ascii = file.name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "pipeline";
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    // filename* carries the Cyrillic name; the ASCII one is for clients that ignore RFC 5987.
    "content-disposition": `attachment; filename="${ascii}.hookflow.json"; filename*=UTF-8''${encodeURIComponent(file.name)}.hookflow.json`,
    "cache-control": "no-store",
  };
  if (removedSecrets.length) headers["x-hookflow-removed-secrets"] = encodeURIComponent(removedSecrets.map((r) => `${r.stepId}:${r.header}`).join(","));
  return new Response(JSON.stringify(file, null, 2) + "\n", { status: 200, headers });
});
