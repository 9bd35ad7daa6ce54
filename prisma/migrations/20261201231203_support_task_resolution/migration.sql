-- AlterTable
ALTER TABLE "SupportTask" ADD COLUMN     "closedBy" TEXT,
ADD COLUMN     "resolution" TEXT;
