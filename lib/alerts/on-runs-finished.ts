// Called by the worker after runs reach their final status (rows committed). The alerts part
// (failure e-mails, digests, «восстановлено») hangs off this one entry point.
export type FinishedRun = { id: string; pipelineId: string; userId: string; status: "SUCCEEDED" | "FAILED" };

export async function onRunsFinished(runs: FinishedRun[]): Promise<void> {
  void runs;
}
