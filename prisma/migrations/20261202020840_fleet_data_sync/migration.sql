-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "lastCheckInAt" TIMESTAMP(3),
ADD COLUMN     "mdmUserId" TEXT,
ADD COLUMN     "reportedIccid" TEXT;

-- AlterTable
ALTER TABLE "Employee" ADD COLUMN     "department" TEXT,
ADD COLUMN     "hrStatus" TEXT,
ADD COLUMN     "hrSyncedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Sim" ADD COLUMN     "lastSeenAt" TIMESTAMP(3),
ADD COLUMN     "lastSeenImei" TEXT,
ADD COLUMN     "numberFetchedAt" TIMESTAMP(3),
ADD COLUMN     "operatorStatus" TEXT,
ADD COLUMN     "operatorUpdatedAt" TIMESTAMP(3),
ADD COLUMN     "ownerConfirmDeadline" TIMESTAMP(3),
ADD COLUMN     "ownerConfirmedAt" TIMESTAMP(3),
ADD COLUMN     "ownerRemindersSent" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "address" TEXT,
ADD COLUMN     "hrSyncedAt" TIMESTAMP(3),
ADD COLUMN     "openingHours" JSONB;

-- CreateTable
CREATE TABLE "PlannedShift" (
    "employeeId" TEXT NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlannedShift_pkey" PRIMARY KEY ("employeeId","startsAt")
);

-- CreateTable
CREATE TABLE "MdmDeviceSighting" (
    "provider" "MdmProviderKind" NOT NULL,
    "mdmDeviceId" TEXT NOT NULL,
    "imei" TEXT NOT NULL,
    "serial" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "reportedIccid" TEXT,
    "mdmUserId" TEXT,
    "lastCheckInAt" TIMESTAMP(3),
    "known" BOOLEAN NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MdmDeviceSighting_pkey" PRIMARY KEY ("provider","mdmDeviceId")
);

-- CreateTable
CREATE TABLE "OperatorSimRecord" (
    "iccid" TEXT NOT NULL,
    "operator" TEXT NOT NULL,
    "msisdn" TEXT,
    "status" TEXT NOT NULL,
    "dateUpdated" TIMESTAMP(3),
    "fetchedAt" TIMESTAMP(3) NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OperatorSimRecord_pkey" PRIMARY KEY ("iccid")
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "cursor" JSONB,
    "counts" JSONB,

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncChange" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryLink" (
    "id" SERIAL NOT NULL,
    "employeeId" TEXT NOT NULL,
    "iccid" TEXT NOT NULL,
    "msisdn" TEXT,
    "imei" TEXT,
    "since" TIMESTAMP(3) NOT NULL,
    "until" TIMESTAMP(3),

    CONSTRAINT "DirectoryLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Anomaly" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "storeId" TEXT,
    "details" JSONB,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,
    "supportTaskId" INTEGER,
    "openKey" TEXT,

    CONSTRAINT "Anomaly_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MdmDeviceSighting_imei_idx" ON "MdmDeviceSighting"("imei");

-- CreateIndex
CREATE INDEX "MdmDeviceSighting_reportedIccid_idx" ON "MdmDeviceSighting"("reportedIccid");

-- CreateIndex
CREATE INDEX "SyncRun_source_finishedAt_idx" ON "SyncRun"("source", "finishedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SyncChange_runId_entity_key_field_key" ON "SyncChange"("runId", "entity", "key", "field");

-- CreateIndex
CREATE INDEX "DirectoryLink_employeeId_idx" ON "DirectoryLink"("employeeId");

-- CreateIndex
CREATE INDEX "DirectoryLink_iccid_idx" ON "DirectoryLink"("iccid");

-- CreateIndex
CREATE INDEX "DirectoryLink_msisdn_idx" ON "DirectoryLink"("msisdn");

-- CreateIndex
CREATE INDEX "DirectoryLink_imei_idx" ON "DirectoryLink"("imei");

-- CreateIndex
CREATE UNIQUE INDEX "Anomaly_openKey_key" ON "Anomaly"("openKey");

-- CreateIndex
CREATE INDEX "Anomaly_kind_resolvedAt_idx" ON "Anomaly"("kind", "resolvedAt");

-- CreateIndex
CREATE INDEX "Anomaly_storeId_idx" ON "Anomaly"("storeId");

-- AddForeignKey
ALTER TABLE "PlannedShift" ADD CONSTRAINT "PlannedShift_employeeId_fkey" FOREIGN KEY ("employeeId") REFERENCES "Employee"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncChange" ADD CONSTRAINT "SyncChange_runId_fkey" FOREIGN KEY ("runId") REFERENCES "SyncRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
