-- CreateIndex
CREATE INDEX "Run_rerunOfId_idx" ON "Run"("rerunOfId");
