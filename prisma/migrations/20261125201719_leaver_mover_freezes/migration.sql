-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "DeviceState" ADD VALUE 'LOCKED';
ALTER TYPE "DeviceState" ADD VALUE 'BRICKED';
ALTER TYPE "DeviceState" ADD VALUE 'AWAITING_SWAP';

-- AlterEnum
ALTER TYPE "EmployeeStatus" ADD VALUE 'LEAVING';

-- AlterTable
ALTER TABLE "Employee" ADD COLUMN     "lastWorkingDay" DATE;

-- CreateTable
CREATE TABLE "Freeze" (
    "id" SERIAL NOT NULL,
    "storeId" TEXT,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Freeze_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceCommand" (
    "id" SERIAL NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "imei" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerCommandId" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeviceCommand_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Freeze_storeId_endsAt_idx" ON "Freeze"("storeId", "endsAt");

-- CreateIndex
CREATE UNIQUE INDEX "DeviceCommand_idempotencyKey_key" ON "DeviceCommand"("idempotencyKey");

-- CreateIndex
CREATE INDEX "DeviceCommand_imei_idx" ON "DeviceCommand"("imei");
