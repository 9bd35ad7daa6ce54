// Apps and their builds. Release engineers register an app (its package, pinned signer, roles)
// and Jenkins publishes each build: the APK as the request body, the commit in the query. Every
// refusal of an APK is a 4xx naming the reason (src/release/apk/rejections.ts), and stores nothing.
import express, { Router } from 'express';
import { z } from 'zod';
import { PACKAGE_NAME } from '../../release/apk/manifest.ts';
import { APK_REJECTIONS, ApkRejected } from '../../release/apk/rejections.ts';
import { DEFAULT_MAX_APK_BYTES } from '../../release/apk/verify.ts';
import { RepositoryUnreachable, UnknownCommit } from '../../release/git.ts';
import { publishRelease, ReleaseConflict } from '../../release/publish.ts';
import { startRelease } from '../../release/start.ts';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ApiContext } from '../context.ts';
import { loggerFor } from '../../observability/log.ts';
import { operatorUpdate, withTemporal } from '../temporal-calls.ts';
import {
  abortReleaseUpdate,
  approveRingUpdate,
  overrideFreezeUpdate,
  pauseReleaseUpdate,
  releaseProgressQuery,
  releaseSummary,
  resumeReleaseUpdate,
  NO_TARGETS,
  type ReleaseProgress,
  type TargetCounts,
} from '../../../workflows/release-contract.ts';
import { HttpError } from '../http-errors.ts';
import { text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';

const packageName = () => text('must be an Android package name, e.g. com.retailco.stock', { pattern: PACKAGE_NAME, max: 255, examples: ['com.retailco.stock'] });
const sha256 = (what: string) => text(`must be ${what}: 64 hexadecimal digits`, { pattern: /^[0-9a-fA-F]{64}$/ });

const appBody = z.strictObject(
  {
    packageName: packageName(),
    name: text('must be a non-blank name of at most 100 characters', { min: 1, max: 100, pattern: /\S/ }),
    signingCertSha256: sha256("the SHA-256 of the app's signing certificate (apksigner verify --print-certs)"),
    autoInstall: z.boolean({ error: 'must be true or false' }).optional(),
    critical: z.boolean({ error: 'must be true or false' }).optional(),
    gitRepository: text('must be a git repository URL or path of at most 500 characters, without spaces, not starting with "-"', {
      min: 1,
      max: 500,
      pattern: /^[^\s-]\S*$/,
    }).optional(),
    roles: z
      .array(text('must be a role code', { pattern: /^[A-Z][A-Z0-9_]{0,31}$/ }), { error: 'must be an array of role codes' })
      .max(12)
      .optional(),
    gate: z
      .strictObject(
        {
          minInstalls: z.int({ error: 'must be a whole number of installs, 0 or more' }).min(0).max(100_000).optional(),
          minExposureMinutes: z.int({ error: 'must be whole minutes, 0 or more' }).min(0).max(10_080).optional(),
          maxCrashFreeDropPoints: z.number({ error: 'must be percentage points above 0' }).gt(0).max(100).optional(),
          maxAnrRisePoints: z.number({ error: 'must be percentage points above 0' }).gt(0).max(100).optional(),
          maxInstallFailureRatio: z.number({ error: 'must be a ratio above 1' }).gt(1).max(100).optional(),
        },
        {
          error:
            "must be an object: the health gate's figures for this app (minInstalls?, minExposureMinutes?, maxCrashFreeDropPoints?, maxAnrRisePoints?, maxInstallFailureRatio?)",
        },
      )
      .optional(),
  },
  { error: 'must be a JSON object {packageName, name, signingCertSha256, autoInstall?, critical?, gitRepository?, roles?, gate?}' },
);
type AppBody = z.output<typeof appBody>;

const publishQuery = z.object({
  commit: text('must be the git commit the build was made from: 7 to 40 hexadecimal digits', { pattern: /^[0-9a-fA-F]{7,40}$/, examples: ['3f2c9a1'] }),
  sha256: sha256('the SHA-256 Jenkins computed for the APK').optional(),
  notes: text('must be at most 2,000 characters', { max: 2000 }).optional(),
  announce: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'a feature people must know about: the release notes are pushed to every phone, even for an auto-installed app' }),
});
const log = loggerFor('api');
const releasePath = z.object({ id: z.string().meta({ description: 'release-<package>-<versionCode>' }) });
const APK_MEDIA_TYPES = ['application/vnd.android.package-archive', 'application/octet-stream'];

export const RELEASE_ROUTES = {
  registerApp: defineRoute({
    method: 'post',
    path: '/apps',
    summary: 'Register an app: its package, pinned signer certificate, install mode and the roles that have it',
    auth: 'operator',
    body: appBody,
    responses: { 201: 'registered', 200: 'already registered exactly so', 409: 'registered otherwise', 422: 'a role that does not exist' },
  }),
  listApps: defineRoute({ method: 'get', path: '/apps', summary: 'The registered apps and their last release', auth: 'operator', responses: { 200: 'the apps' } }),
  publish: defineRoute({
    method: 'post',
    path: '/releases',
    summary: "Publish a build from Jenkins: the APK as the body; verified (manifest, APK Signature Scheme v2/v3, the app's pinned signer) before anything is kept",
    auth: 'operator',
    query: publishQuery,
    body: z.unknown().optional(),
    bodyMediaTypes: APK_MEDIA_TYPES,
    rawBody: true,
    responses: {
      201: 'accepted: the release is recorded and its APK kept',
      200: 'this very build was published before: its release',
      400: 'a bad query, naming each field',
      409: 'this versionCode was published with other bytes',
      413: `over the size limit (${DEFAULT_MAX_APK_BYTES} bytes)`,
      415: 'not an APK media type',
      503: "the app's repository cannot be read for the release notes: retry, or give the notes",
      422: `the APK is refused, naming why: ${Object.values(APK_REJECTIONS).join('; ')}; or its commit is not in the app's repository`,
    },
  }),
  get: defineRoute({
    method: 'get',
    path: '/releases/:id',
    summary: 'One release, and where its process stands (per ring and per store)',
    auth: 'operator',
    params: releasePath,
    responses: { 200: 'the release and its progress', 404: 'no such release' },
  }),
  affectedPhones: defineRoute({
    method: 'get',
    path: '/releases/:id/affected-phones',
    summary: 'The phones that installed this version (after an abort: what the rollback release reaches first)',
    auth: 'operator',
    params: releasePath,
    responses: { 200: 'the phones, by IMEI and store', 404: 'no such release' },
  }),
  approve: commandRoute(
    'approve',
    'Approve a ring that waits for approval',
    z.strictObject({ ring: z.int({ error: 'must be the ring number' }).min(1), reason: reasonText().optional() }),
  ),
  pause: commandRoute('pause', "Pause: every store's next batch waits (what was assigned runs on)", z.strictObject({ reason: reasonText().optional() })),
  resume: commandRoute('resume', 'Resume after a pause, or after a halt (overriding the health gate)', z.strictObject({ reason: reasonText().optional() })),
  overrideFreeze: commandRoute(
    'override-freeze',
    'An emergency: the store gets this release despite its freeze (the operations scope; a reason; audited)',
    z.strictObject({ storeId: text('must be a store id, e.g. S001', { pattern: /^[A-Z0-9-]{1,16}$/ }), reason: reasonText() }),
  ),
  abort: commandRoute('abort', 'Abort: withdraw what has not been installed, list the phones that have it', z.strictObject({ reason: reasonText() })),
};

function reasonText() {
  return text('must be a non-blank reason of at most 500 characters', { min: 1, max: 500, pattern: /\S/ });
}

function commandRoute<B extends z.ZodType>(action: string, summary: string, body: B) {
  return defineRoute({
    method: 'post',
    path: `/releases/:id/${action}`,
    summary,
    auth: 'operator',
    params: releasePath,
    body,
    responses: { 200: 'done: the release as it stands now', 404: 'no such release', 409: 'the release is not in a state that allows it (the reason says why)' },
  });
}

export function releasesRouter(ctx: ApiContext): Router {
  const router = Router();
  const maxBytes = ctx.maxApkBytes ?? DEFAULT_MAX_APK_BYTES;
  // The APK's bytes as they came (the digests are over them); over the limit express answers 413.
  const rawApk = express.raw({ type: () => true, limit: maxBytes });
  const apkMediaType: express.RequestHandler = (req, _res, next) => {
    const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    next(APK_MEDIA_TYPES.includes(type) ? undefined : new HttpError(415, `the body must be the APK, sent as ${APK_MEDIA_TYPES.join(' or ')} (not ${type || 'no content type'})`));
  };

  mount(router, RELEASE_ROUTES.registerApp, async ({ body }, _req, res) => {
    const { status, app } = await registerApp(ctx, body, `api:${res.locals.operator}`);
    res.status(status).json({ app });
  });

  mount(router, RELEASE_ROUTES.listApps, async (_input, _req, res) => {
    const apps = await ctx.db.app.findMany({ orderBy: { packageName: 'asc' }, include: { roles: { select: { roleCode: true } } } });
    const last = await ctx.db.release.groupBy({ by: ['packageName'], _max: { versionCode: true } });
    const lastOf = new Map(last.map((l) => [l.packageName, l._max.versionCode]));
    res.json({ apps: apps.map(({ roles, ...a }) => ({ ...a, roles: roles.map((r) => r.roleCode).sort(), lastVersionCode: lastOf.get(a.packageName) ?? null })) });
  });

  mount(
    router,
    RELEASE_ROUTES.publish,
    async ({ query }, req, res) => {
      if (!ctx.artifacts) throw new HttpError(503, 'this API has no artifact store configured: releases cannot be kept');
      const apk = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const { created, release } = await publishRelease(ctx.db, ctx.artifacts, {
          apk,
          commit: query.commit.toLowerCase(),
          publishedBy: `api:${res.locals.operator}`,
          maxBytes,
          ...(ctx.releaseGit ? { git: ctx.releaseGit } : {}),
          ...(query.sha256 ? { declaredSha256: query.sha256 } : {}),
          ...(query.notes ? { notes: query.notes } : {}),
          ...(query.announce ? { announce: true } : {}),
        });
        // Started once per build (a retried publish finds it started, or finished).
        await startRelease(ctx.temporal, ctx.taskQueue, release, ctx.policy.release);
        res.status(created ? 201 : 200).json({ release });
      } catch (err) {
        if (err instanceof ApkRejected) {
          throw new HttpError(err.reason === 'too-large' ? 413 : 422, `APK refused: ${APK_REJECTIONS[err.reason]}`, [{ field: 'body', message: err.detail }], {
            reason: err.reason,
          });
        }
        if (err instanceof UnknownCommit)
          throw new HttpError(422, `the build's commit is not in the app's repository`, [{ field: 'query.commit', message: err.message }], { reason: 'unknown-commit' });
        if (err instanceof RepositoryUnreachable)
          throw new HttpError(503, `${err.message} (for the release notes: publish again later, or give --notes)`, undefined, undefined, 60);
        if (err instanceof ReleaseConflict) throw new HttpError(409, err.message, undefined, { release: err.existing });
        throw err;
      }
    },
    [apkMediaType, rawApk],
  );

  const knownRelease = async (id: string) => {
    const release = await ctx.db.release.findUnique({ where: { id } });
    if (!release) throw new HttpError(404, `no release ${id}`);
    return release;
  };
  /** The process's view (undefined while no worker has started it). */
  const progressOf = async (id: string): Promise<ReleaseProgress | undefined> => {
    try {
      return await withTemporal(ctx, () => ctx.temporal.workflow.getHandle(id).query(releaseProgressQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      // The process cannot answer now (no worker, or it failed): the row still says where it stands.
      log.warn({ err, releaseId: id }, 'release progress unavailable');
      return undefined;
    }
  };

  mount(router, RELEASE_ROUTES.get, async ({ params }, _req, res) => {
    const release = await knownRelease(params.id);
    const progress = await progressOf(release.id);
    if (progress) await countsFromTargets(release.id, progress);
    res.json({ release, ...(progress ? { progress, summary: releaseSummary(progress) } : {}) });
  });

  /** Each store's phones by where they stand, as the targets say now (the process keeps states, not counts). */
  const countsFromTargets = async (releaseId: string, progress: ReleaseProgress) => {
    const now = new Date();
    const rows = await ctx.db.releaseTarget.groupBy({ by: ['storeId', 'status'], where: { releaseId }, _count: { _all: true } });
    const waiting = await ctx.db.releaseTarget.groupBy({ by: ['storeId'], where: { releaseId, status: 'DOWNLOADED', installAt: { gt: now } }, _count: { _all: true } });
    for (const store of Object.values(progress.stores)) {
      const counts = { ...NO_TARGETS };
      for (const r of rows.filter((x) => x.storeId === store.storeId)) {
        const key = r.status.toLowerCase() as keyof TargetCounts;
        if (key in counts) counts[key] += r._count._all;
        counts.targeted += r._count._all;
      }
      counts.waitingForWindow = waiting.find((w) => w.storeId === store.storeId)?._count._all ?? 0;
      store.counts = counts;
    }
  };

  mount(router, RELEASE_ROUTES.affectedPhones, async ({ params }, _req, res) => {
    const release = await knownRelease(params.id);
    const phones = await ctx.db.releaseTarget.findMany({
      where: { releaseId: release.id, status: 'INSTALLED' },
      select: { imei: true, storeId: true, installedAt: true },
      orderBy: [{ storeId: 'asc' }, { imei: 'asc' }],
    });
    res.json({ releaseId: release.id, status: release.status, phones });
  });

  const command = <A>(route: ReturnType<typeof commandRoute>, update: Parameters<typeof operatorUpdate<ReleaseProgress, [A]>>[2], argsOf: (body: never, by: string) => A) =>
    mount(router, route, async ({ params, body }, _req, res) => {
      const release = await knownRelease(params.id);
      const answer = await operatorUpdate(ctx, ctx.temporal.workflow.getHandle(release.id), update, argsOf(body as never, `api:${res.locals.operator}`));
      if ('rejected' in answer) throw new HttpError(409, answer.rejected);
      if ('accepted' in answer) {
        await countsFromTargets(release.id, answer.accepted);
        res.json({ release: await knownRelease(params.id), progress: answer.accepted, summary: releaseSummary(answer.accepted) });
        return;
      }
      throw new HttpError(409, `the release ${release.id} is not running (it is ${release.status.toLowerCase()})`);
    });
  command(RELEASE_ROUTES.approve, approveRingUpdate, (b: { ring: number; reason?: string }, by) => ({ by, ring: b.ring, ...(b.reason ? { reason: b.reason } : {}) }));
  command(RELEASE_ROUTES.pause, pauseReleaseUpdate, (b: { reason?: string }, by) => ({ by, ...(b.reason ? { reason: b.reason } : {}) }));
  command(RELEASE_ROUTES.resume, resumeReleaseUpdate, (b: { reason?: string }, by) => ({ by, ...(b.reason ? { reason: b.reason } : {}) }));
  command(RELEASE_ROUTES.overrideFreeze, overrideFreezeUpdate, (b: { storeId: string; reason: string }, by) => ({ by, storeId: b.storeId, reason: b.reason }));
  command(RELEASE_ROUTES.abort, abortReleaseUpdate, (b: { reason: string }, by) => ({ by, reason: b.reason }));

  return router;
}

/** Registers the app once; the same registration again is a no-op, another one for the same package a 409. */
async function registerApp(ctx: ApiContext, body: AppBody, actor: string) {
  const wanted = {
    packageName: body.packageName,
    name: body.name,
    signingCertSha256: body.signingCertSha256.toLowerCase(),
    autoInstall: body.autoInstall ?? true,
    critical: body.critical ?? false,
    gitRepository: body.gitRepository ?? null,
    gate: body.gate && Object.keys(body.gate).length ? Object.fromEntries(Object.entries(body.gate).sort(([a], [b]) => a.localeCompare(b))) : null,
  };
  const roles = [...new Set(body.roles ?? [])].sort();
  const known = await ctx.db.role.findMany({ where: { code: { in: roles } }, select: { code: true } });
  const unknown = roles.filter((r) => !known.some((k) => k.code === r));
  if (unknown.length)
    throw new HttpError(
      422,
      'unknown roles',
      unknown.map((r) => ({ field: `roles[${roles.indexOf(r)}]`, message: `role ${r} does not exist` })),
    );

  type Registered = Omit<typeof wanted, 'gate'> & { gate: unknown; roles: { roleCode: string }[] };
  const registered = (): Promise<Registered | null> => ctx.db.app.findUnique({ where: { packageName: body.packageName }, include: { roles: { select: { roleCode: true } } } });
  /** An app already there: this very registration again (200), or another one (409). */
  const answerExisting = (app: Registered) => {
    const { roles: rows, ...fields } = app;
    const view = { ...fields, roles: rows.map((r) => r.roleCode).sort() };
    // JSON columns come back with their keys in the database's order: compared key by key, sorted.
    const canonical = (v: unknown) => (v && typeof v === 'object' ? JSON.stringify(v, Object.keys(v).sort()) : JSON.stringify(v));
    const same = (Object.keys(wanted) as (keyof typeof wanted)[]).every((k) => canonical(fields[k]) === canonical(wanted[k])) && view.roles.join(',') === roles.join(',');
    if (same) return { status: 200, app: view };
    throw new HttpError(409, `${body.packageName} is registered otherwise`, undefined, { app: view });
  };
  const existing = await registered();
  if (existing) return answerExisting(existing);
  try {
    const app = await ctx.db.$transaction(async (tx) => {
      const { gate, ...plain } = wanted;
      const created = await tx.app.create({ data: { ...plain, ...(gate ? { gate } : {}), roles: { create: roles.map((roleCode) => ({ roleCode })) } } });
      await tx.auditLog.create({ data: { actor, action: 'app.registered', details: { ...plain, gate, roles } } });
      return created;
    });
    return { status: 201, app: { ...app, roles } };
  } catch (err) {
    // Registered at the same moment by another request: answer as if it came first.
    const raced = await registered();
    if (!raced) throw err;
    return answerExisting(raced);
  }
}
