-- CreateEnum
CREATE TYPE "MdmProviderKind" AS ENUM ('KNOX_MANAGE', 'SECOND_MDM');

-- CreateEnum
CREATE TYPE "EmployeeStatus" AS ENUM ('ONBOARDING', 'ACTIVE', 'RESCINDED', 'LEFT');

-- CreateEnum
CREATE TYPE "DeviceState" AS ENUM ('IN_STOCK', 'RESERVED', 'ENROLLED', 'IN_USE', 'RETURNED', 'LOST', 'RETIRED');

-- CreateEnum
CREATE TYPE "SimState" AS ENUM ('IN_STOCK', 'RESERVED', 'IN_USE', 'SUSPENDED', 'RETIRED');

-- CreateEnum
CREATE TYPE "OwnerRegistrationState" AS ENUM ('NONE', 'PENDING', 'ACCEPTED', 'REJECTED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "SupportTaskStatus" AS ENUM ('OPEN', 'DONE');

-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "uplinkMbps" INTEGER NOT NULL,
    "mdmProvider" "MdmProviderKind" NOT NULL DEFAULT 'KNOX_MANAGE',
    "supportPhone" TEXT NOT NULL,
    "curatorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Store_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Role" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "policies" JSONB NOT NULL,
    "positions" TEXT[],

    CONSTRAINT "Role_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "App" (
    "packageName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "signingCertSha256" TEXT NOT NULL,
    "autoInstall" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "App_pkey" PRIMARY KEY ("packageName")
);

-- CreateTable
CREATE TABLE "RoleApp" (
    "roleCode" TEXT NOT NULL,
    "packageName" TEXT NOT NULL,

    CONSTRAINT "RoleApp_pkey" PRIMARY KEY ("roleCode","packageName")
);

-- CreateTable
CREATE TABLE "Employee" (
    "id" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "roleCode" TEXT NOT NULL,
    "position" TEXT NOT NULL,
    "status" "EmployeeStatus" NOT NULL DEFAULT 'ONBOARDING',
    "startDate" DATE NOT NULL,
    "directoryUserId" TEXT,
    "handedOverAt" TIMESTAMP(3),
    "handoverDay" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Employee_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "imei" TEXT NOT NULL,
    "serial" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "state" "DeviceState" NOT NULL DEFAULT 'IN_STOCK',
    "employeeId" TEXT,
    "reservedBy" TEXT,
    "mdmProvider" "MdmProviderKind" NOT NULL DEFAULT 'KNOX_MANAGE',
    "mdmDeviceId" TEXT,
    "leaseContract" TEXT NOT NULL,
    "warrantyUntil" DATE NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("imei")
);

-- CreateTable
CREATE TABLE "Sim" (
    "iccid" TEXT NOT NULL,
    "msisdn" TEXT,
    "operator" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "state" "SimState" NOT NULL DEFAULT 'IN_STOCK',
    "employeeId" TEXT,
    "reservedBy" TEXT,
    "ownerRegistration" "OwnerRegistrationState" NOT NULL DEFAULT 'NONE',
    "ownerRegistrationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Sim_pkey" PRIMARY KEY ("iccid")
);

-- CreateTable
CREATE TABLE "HrEvent" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "employeeId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "responseStatus" INTEGER NOT NULL,
    "responseBody" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HrEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" SERIAL NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupportTask" (
    "id" SERIAL NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "employeeId" TEXT,
    "kind" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "status" "SupportTaskStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "SupportTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "employeeId" TEXT,
    "storeId" TEXT,
    "imei" TEXT,
    "iccid" TEXT,
    "details" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Employee_storeId_idx" ON "Employee"("storeId");

-- CreateIndex
CREATE UNIQUE INDEX "Device_serial_key" ON "Device"("serial");

-- CreateIndex
CREATE INDEX "Device_storeId_state_idx" ON "Device"("storeId", "state");

-- CreateIndex
CREATE INDEX "Device_reservedBy_idx" ON "Device"("reservedBy");

-- CreateIndex
CREATE INDEX "Sim_storeId_state_idx" ON "Sim"("storeId", "state");

-- CreateIndex
CREATE INDEX "Sim_reservedBy_idx" ON "Sim"("reservedBy");

-- CreateIndex
CREATE INDEX "HrEvent_employeeId_idx" ON "HrEvent"("employeeId");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_idempotencyKey_key" ON "Notification"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Notification_storeId_createdAt_idx" ON "Notification"("storeId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SupportTask_idempotencyKey_key" ON "SupportTask"("idempotencyKey");

-- CreateIndex
CREATE INDEX "SupportTask_status_createdAt_idx" ON "SupportTask"("status", "createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_employeeId_idx" ON "AuditLog"("employeeId");

-- CreateIndex
CREATE INDEX "AuditLog_imei_idx" ON "AuditLog"("imei");

-- AddForeignKey
ALTER TABLE "RoleApp" ADD CONSTRAINT "RoleApp_roleCode_fkey" FOREIGN KEY ("roleCode") REFERENCES "Role"("code") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleApp" ADD CONSTRAINT "RoleApp_packageName_fkey" FOREIGN KEY ("packageName") REFERENCES "App"("packageName") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Employee" ADD CONSTRAINT "Employee_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Employee" ADD CONSTRAINT "Employee_roleCode_fkey" FOREIGN KEY ("roleCode") REFERENCES "Role"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_employeeId_fkey" FOREIGN KEY ("employeeId") REFERENCES "Employee"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sim" ADD CONSTRAINT "Sim_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sim" ADD CONSTRAINT "Sim_employeeId_fkey" FOREIGN KEY ("employeeId") REFERENCES "Employee"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SupportTask" ADD CONSTRAINT "SupportTask_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
