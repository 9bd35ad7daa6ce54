-- AlterTable
ALTER TABLE "Store" ADD COLUMN     "language" TEXT NOT NULL DEFAULT 'ru';
