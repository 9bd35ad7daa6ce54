-- AlterTable
ALTER TABLE "App" ADD COLUMN     "gate" JSONB;
