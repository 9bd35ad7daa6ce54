-- AlterTable
ALTER TABLE "App" ADD COLUMN     "critical" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "gitRepository" TEXT;

-- CreateTable
CREATE TABLE "Release" (
    "id" TEXT NOT NULL,
    "packageName" TEXT NOT NULL,
    "versionCode" INTEGER NOT NULL,
    "versionName" TEXT,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "commit" TEXT NOT NULL,
    "notes" TEXT,
    "scheme" TEXT NOT NULL,
    "signerCertSha256" TEXT NOT NULL,
    "signerLineage" TEXT[],
    "minSdk" INTEGER NOT NULL,
    "targetSdk" INTEGER NOT NULL,
    "publishedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Release_packageName_versionCode_key" ON "Release"("packageName", "versionCode");

-- AddForeignKey
ALTER TABLE "Release" ADD CONSTRAINT "Release_packageName_fkey" FOREIGN KEY ("packageName") REFERENCES "App"("packageName") ON DELETE RESTRICT ON UPDATE CASCADE;
