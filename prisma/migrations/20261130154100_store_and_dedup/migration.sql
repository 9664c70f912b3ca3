-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'DUPLICATE';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "duplicateOfId" UUID;

-- CreateTable
CREATE TABLE "StoreEntry" (
    "userId" UUID NOT NULL,
    "collection" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoreEntry_pkey" PRIMARY KEY ("userId","collection","key")
);

-- CreateTable
CREATE TABLE "DedupKey" (
    "pipelineId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "runId" UUID NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DedupKey_pkey" PRIMARY KEY ("pipelineId","key")
);

-- CreateIndex
CREATE INDEX "StoreEntry_expiresAt_idx" ON "StoreEntry"("expiresAt");

-- CreateIndex
CREATE INDEX "DedupKey_expiresAt_idx" ON "DedupKey"("expiresAt");

-- AddForeignKey
ALTER TABLE "StoreEntry" ADD CONSTRAINT "StoreEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DedupKey" ADD CONSTRAINT "DedupKey_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
