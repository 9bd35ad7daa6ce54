/*
  Warnings:

  - A unique constraint covering the columns `[stepKey,action]` on the table `AuditLog` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterEnum
ALTER TYPE "DeviceState" ADD VALUE 'QUARANTINED';

-- AlterTable
ALTER TABLE "AuditLog" ADD COLUMN     "stepKey" TEXT;

-- AlterTable
ALTER TABLE "Sim" ADD COLUMN     "ownerRegistrationKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "AuditLog_stepKey_action_key" ON "AuditLog"("stepKey", "action");
