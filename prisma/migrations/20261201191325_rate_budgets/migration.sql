-- CreateTable
CREATE TABLE "RateBudget" (
    "name" TEXT NOT NULL,
    "readyAtMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "RateBudget_pkey" PRIMARY KEY ("name")
);
