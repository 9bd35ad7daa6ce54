// Prisma 7 CLI configuration. The CLI's migrate commands need a native engine that cannot be
// downloaded offline: phonefleet applies prisma/migrations itself (src/db/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/phonefleet' },
});
