-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "updateSharePercent" INTEGER NOT NULL DEFAULT 30;
