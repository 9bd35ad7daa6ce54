-- AlterTable
ALTER TABLE "HrEvent" ADD COLUMN     "digest" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'completed';

-- CreateTable
CREATE TABLE "HrRefusal" (
    "id" SERIAL NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "problems" JSONB NOT NULL,
    "eventId" TEXT,
    "source" TEXT,
    "type" TEXT,
    "employeeId" TEXT,

    CONSTRAINT "HrRefusal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HrRefusal_receivedAt_idx" ON "HrRefusal"("receivedAt");
