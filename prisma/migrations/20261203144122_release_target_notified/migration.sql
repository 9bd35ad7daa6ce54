-- AlterTable
ALTER TABLE "ReleaseTarget" ADD COLUMN     "notifiedAt" TIMESTAMP(3);
