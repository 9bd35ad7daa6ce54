-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "ringReached" INTEGER NOT NULL DEFAULT 0;
