// `npm run db:migration:create -- <name>`: what `prisma migrate dev --create-only` does, offline.
// Prisma's CLI needs a native schema engine it cannot download here, so this drives the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm) through a driver adapter.
// It diffs prisma/migrations (replayed on a shadow database) against prisma/schema.prisma and
// writes the next migration. Both databases it needs are throw-away ones on the PostgreSQL
// server of DATABASE_URL; the database named there is never touched.
// Apply the result with `npm run db:migrate` (or just start phonefleet). Pitfalls worked
// around are numbered as in /work/shared/PRISMA.md.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { applyMigrations, readMigrations } from '../src/db/migrate.ts';
import { createScratchDatabase } from '../src/db/scratch-database.ts';
import * as engineRuntime from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_FILE = path.join(root, 'prisma', 'schema.prisma');
const MIGRATIONS_DIR = path.join(root, 'prisma', 'migrations');
const LOCKFILE = 'migration_lock.toml';
const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

// lib "ES2022" carries no WebAssembly typings (they come with lib.dom): the two calls used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
};

// (1) The package is built for bundlers that import .wasm files: instantiate it by hand.
async function loadSchemaEngine(): Promise<typeof engineRuntime.SchemaEngine> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const module = new WebAssembly.Module(await fs.readFile(path.join(dir, 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': engineRuntime });
  engineRuntime.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return engineRuntime.SchemaEngine;
}

// (3) @prisma/adapter-pg cannot decode the catalog type "char" (OID 18), which the engine's
// schema describer selects: report such columns as text (OID 25). Scoped to this process.
function decodeCatalogCharAsText(): void {
  // addFields() is internal to pg (not in its typings) but is where each result learns its columns.
  const result = pg.Result.prototype as unknown as { addFields(fields: pg.FieldDef[]): void };
  const addFields = result.addFields;
  result.addFields = function (fields) {
    for (const field of fields) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return addFields.call(this, fields);
  };
}

// (4) Connection fields, never a connection string: PrismaPg opens the shadow database as
// { ...config, database: shadow } and pg lets a connectionString override `database`, which
// would replay and reset on the MAIN database.
function connectionFields(databaseUrl: string): { host: string; port: number; user: string; password: string; database: string } {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

// (4) PrismaPg's own shadow database drops itself before closing its pool, which fails and
// leaks it: here the pool closes first.
function adapterFactory(mainUrl: string): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => new PrismaPg(connectionFields(mainUrl)).connect(),
    async connectToShadowDb() {
      const shadow = await createScratchDatabase(mainUrl, 'prisma_migrate_shadow_db');
      const adapter = await new PrismaPg(connectionFields(shadow.url)).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await shadow.drop();
      };
      return adapter;
    },
  };
}

// The shape Prisma's CLI hands the engine, from the same reading of the folder that deploys it.
async function loadMigrationList(): Promise<MigrationList> {
  const lockfile = await fs.readFile(path.join(MIGRATIONS_DIR, LOCKFILE), 'utf8').catch(() => null);
  const migrations = await readMigrations(MIGRATIONS_DIR);
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: LOCKFILE, content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({ path: m.name, migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } } })),
  };
}

async function main(): Promise<number> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration:create -- <name>   (letters, digits, underscores)');
    return 2;
  }
  const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const schemaText = await fs.readFile(SCHEMA_FILE, 'utf8');
  await fs.mkdir(MIGRATIONS_DIR, { recursive: true });
  decodeCatalogCharAsText();
  const SchemaEngine = await loadSchemaEngine();

  // The engine diagnoses the "dev" database first, as `prisma migrate dev` does; it must hold
  // every existing migration, else the diagnosis below does not replay them all (2).
  const dev = await createScratchDatabase(serverUrl, 'phonefleet_migrate_dev');
  try {
    await applyMigrations({ databaseUrl: dev.url }, { migrationsDir: MIGRATIONS_DIR });
    // (1) The engine only accepts a factory wrapped so that JS errors cross into WASM.
    const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory(dev.url));
    // The engine reports a JS error as "External error id#N": recover the real one.
    const explain = (e: unknown): never => {
      const error = e instanceof Error ? e : new Error(String(e));
      const id = /External error id#(\d+)/.exec(error.message)?.[1];
      const captured = id === undefined ? undefined : factory.errorRegistry.consumeError(Number(id));
      if (captured) error.message += ` <- ${JSON.stringify(captured.error)}`;
      throw error;
    };
    const engine = await SchemaEngine.new(
      { datamodels: [[SCHEMA_FILE, schemaText]] },
      (log: string) => process.env.DEBUG_SCHEMA_ENGINE && console.error('[schema-engine]', log),
      factory,
    ).catch(explain);
    try {
      const migrationsList = await loadMigrationList();
      // (2) createMigration() is not handed the adapter factory, so it cannot open the shadow
      // database itself; devDiagnostic() is, and fills the cache createMigration() then reuses.
      const diagnostic = await engine.devDiagnostic({ migrationsList, filters: NO_FILTERS }).catch(explain);
      if (diagnostic.action.tag === 'reset') throw new Error(`the migrations folder is inconsistent: ${diagnostic.action.reason}`);
      const out = await engine
        .createMigration({
          draft: false,
          migrationName: name,
          migrationsList,
          schema: { files: [{ path: SCHEMA_FILE, content: schemaText }] },
          filters: NO_FILTERS,
        })
        .catch(explain);
      if (out.migrationScript == null) {
        console.log('phonefleet: prisma/schema.prisma matches the migrations; nothing to create');
        return 0;
      }
      const dir = path.join(MIGRATIONS_DIR, out.generatedMigrationName);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, `migration.${out.extension}`), out.migrationScript);
      await fs.writeFile(
        path.join(MIGRATIONS_DIR, LOCKFILE),
        `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`,
      );
      console.log(`phonefleet: created ${path.relative(root, dir)}/migration.${out.extension}`);
      return 0;
    } finally {
      engine.free();
    }
  } finally {
    await dev.drop();
  }
}

// (5) The engine leaves a ~10 s timer behind: exit as soon as the work is done.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`phonefleet: migration create failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
