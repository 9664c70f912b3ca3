-- AlterTable
ALTER TABLE "RunStep" ADD COLUMN     "errorDetail" JSON;
