-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "announce" BOOLEAN NOT NULL DEFAULT false;
