-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "sourceId" UUID;

-- CreateTable
CREATE TABLE "Source" (
    "id" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "token" TEXT,
    "name" TEXT NOT NULL DEFAULT '',
    "type" TEXT NOT NULL DEFAULT 'webhook',
    "removedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Source_token_key" ON "Source"("token");

-- CreateIndex
CREATE INDEX "Source_pipelineId_idx" ON "Source"("pipelineId");

-- AddForeignKey
ALTER TABLE "Source" ADD CONSTRAINT "Source_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Source" ADD CONSTRAINT "Source_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Data: every existing pipeline gets one source (id = the id of the pipeline, as sourcesOf reads a
-- definition without `sources`) holding its current webhook token, so old URLs keep working.
INSERT INTO "Source" ("id", "pipelineId", "userId", "token", "name", "type")
SELECT p."id", p."id", p."userId", p."webhookToken", 'Вебхук',
       CASE WHEN p."definition"->>'sourceType' IN ('tilda', 'vk') THEN p."definition"->>'sourceType' ELSE 'webhook' END
FROM "Pipeline" p;
