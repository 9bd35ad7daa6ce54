-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "mdmAppVersions" JSONB,
ADD COLUMN     "rollbackOf" TEXT,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'ROLLING_OUT';

-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "installWindowFrom" TEXT,
ADD COLUMN     "installWindowUntil" TEXT;

-- CreateTable
CREATE TABLE "ReleaseTarget" (
    "releaseId" TEXT NOT NULL,
    "imei" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "ring" INTEGER NOT NULL,
    "batch" INTEGER NOT NULL,
    "mdmProvider" "MdmProviderKind" NOT NULL,
    "mdmDeviceId" TEXT NOT NULL,
    "downloadAt" TIMESTAMP(3) NOT NULL,
    "installAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PLANNED',
    "installedAt" TIMESTAMP(3),
    "failure" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReleaseTarget_pkey" PRIMARY KEY ("releaseId","imei")
);

-- CreateIndex
CREATE INDEX "ReleaseTarget_releaseId_storeId_batch_idx" ON "ReleaseTarget"("releaseId", "storeId", "batch");

-- AddForeignKey
ALTER TABLE "ReleaseTarget" ADD CONSTRAINT "ReleaseTarget_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "Release"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
