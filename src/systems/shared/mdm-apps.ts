// The in-house app distribution both MDM simulators keep (Knox Manage and the second MDM expose it
// through different API shapes): uploaded app versions, assignments to devices with a deployment
// schedule (download from, install from: Knox Manage's Deployment Scheduler), and each device's
// install status as the MDM's app status reports give it. The MDM knows nothing of freezes,
// health or bandwidth: phonefleet decides when, the MDM carries it out.
//
// What the phones do is modelled, on the simulator's clock:
// - a phone downloads only while online; in the store (its holder's shift, set per device by the
//   test or the demo; without one, always in the store) over the store's uplink, shared with the
//   other downloads of the store (StoreLink: max-min fair, each at most at the phone's rate);
//   away from the store only an APK small enough for mobile data, within the month's budget;
// - a downloaded version installs from its install time on (a share fails, per version);
// - an assignment repeated for the same device and version is not a second install command.
// A new store's phone is activated the same way (MdmDeviceActivation in mdm-api.ts): the store's
// enrolment image downloads as an app version does (same link, same presence rules, sharing the
// link with app downloads), then the user's first sign-in at max(activateFrom, downloaded); a
// device scheduled again is left as it is.
// Time is read at each request (and each admin read), and events in between are played in order.
import type { Router } from 'express';
import { MOBILE_DATA_BUDGET_BYTES, MOBILE_DOWNLOAD_MAX_BYTES } from '../../domain/update-waves.ts';
import { StoreLink } from './store-link.ts';
import type { MdmDeviceRegistry, MdmDeviceState } from './mdm-devices.ts';
import { Fields, SimHttpError, bodyOf, plainError } from './request-fields.ts';

export const APP_INSTALL_STATUSES = ['ASSIGNED', 'DOWNLOADING', 'DOWNLOADED', 'INSTALLED', 'FAILED', 'CANCELLED'] as const;
export type AppInstallStatus = (typeof APP_INSTALL_STATUSES)[number];

export interface AppVersionUpload {
  packageName: string;
  versionCode: number;
  versionName?: string;
  sha256: string;
  sizeBytes: number;
}

export interface AppVersionState extends AppVersionUpload {
  appVersionId: string;
  uploadedAt: string;
}

export interface AppTargetRequest {
  deviceId: string;
  /** Epoch ms: not downloaded before. */
  downloadFrom: number;
  /** Epoch ms: not installed before. */
  installFrom: number;
}

export interface AppTargetState extends AppTargetRequest {
  appVersionId: string;
  status: AppInstallStatus;
  assignedAt: number;
  /** The store link the download used (the device's group when it started), or mobile data. */
  over?: 'store' | 'mobile';
  downloadStartedAt?: number;
  downloadedAt?: number;
  installedAt?: number;
  failure?: string;
}

export const ACTIVATION_STATUSES = ['SCHEDULED', 'DOWNLOADING', 'DOWNLOADED', 'ACTIVATED'] as const;
export type ActivationStatus = (typeof ACTIVATION_STATUSES)[number];

export interface ActivationRequest {
  deviceId: string;
  /** Epoch ms: the enrolment image not downloaded before. */
  downloadFrom: number;
  /** Epoch ms: the first sign-in not before (nor before the image is there). */
  activateFrom: number;
}

export interface ActivationState extends ActivationRequest {
  /** The enrolment image's size: what the phone downloads. */
  imageBytes: number;
  status: ActivationStatus;
  scheduledAt: number;
  /** As for an app target: the store link (the device's group when it started), or mobile data. */
  over?: 'store' | 'mobile';
  downloadStartedAt?: number;
  downloadedAt?: number;
  /** The first sign-in. */
  activatedAt?: number;
}

/** What the download machinery plays: an app version to a device, or a device's enrolment image. */
type Download = AppTargetState | ActivationState;

const isActivation = (d: Download): d is ActivationState => 'imageBytes' in d;

export interface StoreLinkSettings {
  uplinkMbps: number;
  /** One phone's rate over the store's Wi-Fi. */
  phoneMbps: number;
}

/** A stretch of time a phone is in its store (epoch ms). */
export interface PresenceStay {
  from: number;
  until: number;
}

export interface AppCatalogState {
  versions: AppVersionState[];
  targets: AppTargetState[];
  versionSeq: number;
  mobileBytes?: Record<string, number>;
  /** Absent from state saved before activations were modelled. */
  activations?: ActivationState[];
}

const targetKey = (appVersionId: string, deviceId: string) => `${appVersionId}|${deviceId}`;
/** Never an app target's key: version ids are the simulator's own (APP000001, 1, ...). */
const activationKey = (deviceId: string) => `activation|${deviceId}`;
/** The download's id on the store link. */
const downloadKey = (d: Download) => (isActivation(d) ? activationKey(d.deviceId) : targetKey(d.appVersionId, d.deviceId));

/** A deterministic draw in [0, 1) per device and version: the same phone fails the same build every run. */
function draw(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1_000_000) / 1_000_000;
}

export class MdmAppCatalog {
  private readonly versions = new Map<string, AppVersionState>();
  private readonly targets = new Map<string, AppTargetState>();
  /** By activationKey. */
  private readonly activations = new Map<string, ActivationState>();
  private readonly links = new Map<string, { link: StoreLink; settings: StoreLinkSettings }>();
  private readonly presence = new Map<string, PresenceStay[]>();
  private readonly failureRates = new Map<string, number>();
  private readonly mobileBytes = new Map<string, number>();
  /** How many times each device was told to install each version (a test's "no phone twice"). */
  private readonly installCommands = new Map<string, number>();
  /** Downloaded, not installed (an app) or signed in on (the enrolment image) yet. */
  private readonly awaitingInstall = new Set<Download>();
  private versionSeq = 0;
  private playedUntil = 0;

  constructor(
    private readonly devices: MdmDeviceRegistry,
    private readonly idFor: (sequence: number) => string,
    /** The simulator's clock (a bench drives its own). */
    public now: () => number = Date.now,
  ) {}

  /** Uploading the same build again answers the same version; another build under the same versionCode is refused. */
  upload(upload: AppVersionUpload): AppVersionState {
    const same = [...this.versions.values()].find((v) => v.packageName === upload.packageName && v.versionCode === upload.versionCode);
    if (same && same.sha256 !== upload.sha256) throw new SimHttpError(409, { error: `${upload.packageName} ${upload.versionCode} was uploaded with another SHA-256` });
    if (same) return same;
    this.versionSeq += 1;
    const version: AppVersionState = { ...upload, appVersionId: this.idFor(this.versionSeq), uploadedAt: new Date(this.now()).toISOString() };
    this.versions.set(version.appVersionId, version);
    return version;
  }

  version(appVersionId: string): AppVersionState {
    const version = this.versions.get(appVersionId);
    if (!version) throw new SimHttpError(404, { error: 'unknown app version' });
    return version;
  }

  listVersions(): AppVersionState[] {
    return [...this.versions.values()];
  }

  /** Assigns a version to devices, each with its schedule. Returns how many were new (a repeat changes nothing). */
  assign(appVersionId: string, requests: AppTargetRequest[]): number {
    this.version(appVersionId);
    for (const r of requests) {
      if (!this.devices.enrolledById(r.deviceId)) throw new SimHttpError(404, { error: `device ${r.deviceId} not found` });
    }
    this.play();
    let created = 0;
    for (const r of requests) {
      const key = targetKey(appVersionId, r.deviceId);
      const existing = this.targets.get(key);
      if (existing && existing.status !== 'CANCELLED') continue;
      this.targets.set(key, { ...r, appVersionId, status: 'ASSIGNED', assignedAt: this.now() });
      this.installCommands.set(key, (this.installCommands.get(key) ?? 0) + 1);
      created++;
    }
    return created;
  }

  /** Cancels what has not started downloading; returns the devices cancelled. */
  cancel(appVersionId: string, deviceIds: string[]): string[] {
    this.version(appVersionId);
    this.play();
    const cancelled: string[] = [];
    for (const deviceId of deviceIds) {
      const target = this.targets.get(targetKey(appVersionId, deviceId));
      if (target?.status !== 'ASSIGNED') continue;
      target.status = 'CANCELLED';
      cancelled.push(deviceId);
    }
    return cancelled;
  }

  /** The devices' status for the version (a device never assigned is left out). */
  statuses(appVersionId: string, deviceIds?: string[]): AppTargetState[] {
    this.version(appVersionId);
    this.play();
    const all = [...this.targets.values()].filter((t) => t.appVersionId === appVersionId);
    if (!deviceIds) return all;
    const wanted = new Set(deviceIds);
    return all.filter((t) => wanted.has(t.deviceId));
  }

  /**
   * Schedules the enrolment image (imageBytes) and the first sign-in per device. Returns how many
   * were new: a device already scheduled keeps its download (whatever the new schedule or size);
   * only its sign-in moves to the new activateFrom, while it has not signed in.
   */
  scheduleActivation(imageBytes: number, requests: ActivationRequest[]): number {
    if (!(Number.isInteger(imageBytes) && imageBytes > 0)) throw new SimHttpError(400, { error: 'imageBytes must be a positive integer' });
    for (const r of requests) {
      if (!this.devices.enrolledById(r.deviceId)) throw new SimHttpError(404, { error: `device ${r.deviceId} not found` });
    }
    this.play();
    let created = 0;
    for (const r of requests) {
      const key = activationKey(r.deviceId);
      const known = this.activations.get(key);
      if (known) {
        if (known.status !== 'ACTIVATED') known.activateFrom = r.activateFrom;
        continue;
      }
      this.activations.set(key, { deviceId: r.deviceId, downloadFrom: r.downloadFrom, activateFrom: r.activateFrom, imageBytes, status: 'SCHEDULED', scheduledAt: this.now() });
      created++;
    }
    return created;
  }

  /** The devices' activations (a device never scheduled is left out); every one without deviceIds. */
  activationsOf(deviceIds?: string[]): ActivationState[] {
    this.play();
    if (!deviceIds) return [...this.activations.values()];
    return [...new Set(deviceIds)].flatMap((id) => this.activations.get(activationKey(id)) ?? []);
  }

  installCommandsFor(appVersionId: string, deviceId: string): number {
    return this.installCommands.get(targetKey(appVersionId, deviceId)) ?? 0;
  }

  setStoreLink(groupId: string, settings: StoreLinkSettings | null): void {
    this.play();
    if (settings === null) this.links.delete(groupId);
    else this.links.set(groupId, { link: new StoreLink(settings.uplinkMbps, Math.max(this.playedUntil, this.now())), settings });
  }

  /** The store link's use over time (simulator time), for tests and benches. */
  linkOf(groupId: string): StoreLink | undefined {
    this.play();
    return this.links.get(groupId)?.link;
  }

  setPresence(deviceId: string, stays: PresenceStay[] | null): void {
    this.play();
    if (stays === null) this.presence.delete(deviceId);
    else
      this.presence.set(
        deviceId,
        [...stays].sort((a, b) => a.from - b.from),
      );
  }

  setInstallFailureRate(packageName: string, versionCode: number, rate: number): void {
    this.failureRates.set(`${packageName}|${versionCode}`, rate);
  }

  mobileBytesOf(deviceId: string): number {
    return this.mobileBytes.get(deviceId) ?? 0;
  }

  /**
   * Plays every download and install due up to the clock's now, in time order. Starting one
   * download changes no other phone's start moment, so the starts are found once and sorted.
   */
  play(until = this.now()): void {
    if (until < this.playedUntil) return;
    const starts: { download: Download; at: number }[] = [];
    for (const download of [...this.targets.values(), ...this.activations.values()]) {
      if (!waiting(download)) continue;
      const device = this.devices.enrolledById(download.deviceId);
      if (!device?.online) continue;
      const queuedAt = isActivation(download) ? download.scheduledAt : download.assignedAt;
      const at = this.startMoment(download, device, Math.max(download.downloadFrom, queuedAt, this.playedUntil), until);
      if (at !== undefined) starts.push({ download, at });
    }
    starts.sort((a, b) => a.at - b.at);
    for (const { download, at } of starts) {
      this.runLinksTo(at);
      this.startDownload(download, at);
    }
    this.runLinksTo(until);
    for (const download of this.awaitingInstall) {
      if (isActivation(download)) this.activateIfDue(download, until);
      else this.installIfDue(download, until);
    }
    this.playedUntil = until;
  }

  exportState(): AppCatalogState {
    this.play();
    return {
      versions: [...this.versions.values()],
      targets: [...this.targets.values()],
      versionSeq: this.versionSeq,
      mobileBytes: Object.fromEntries(this.mobileBytes),
      activations: [...this.activations.values()],
    };
  }

  /** Downloads under way when the state was saved start over (the link is not saved). */
  importState(state: AppCatalogState | undefined): void {
    this.versions.clear();
    this.targets.clear();
    this.activations.clear();
    this.awaitingInstall.clear();
    if (!state) return;
    for (const v of state.versions) this.versions.set(v.appVersionId, v);
    for (const d of [...state.targets, ...(state.activations ?? [])]) {
      if (d.status === 'DOWNLOADING') {
        if (isActivation(d)) d.status = 'SCHEDULED';
        else d.status = 'ASSIGNED';
        delete d.downloadStartedAt;
        delete d.over;
      }
      if (isActivation(d)) this.activations.set(downloadKey(d), d);
      else this.targets.set(downloadKey(d), d);
      if (d.status === 'DOWNLOADED') this.awaitingInstall.add(d);
    }
    this.versionSeq = state.versionSeq;
    for (const [deviceId, bytes] of Object.entries(state.mobileBytes ?? {})) this.mobileBytes.set(deviceId, bytes);
  }

  // --- the phones -----------------------------------------------------------------------------

  /** When the phone can start the download from `from` on (in the store, or on mobile data for a small APK). */
  private startMoment(target: Download, device: MdmDeviceState, from: number, until: number): number | undefined {
    if (from > until) return undefined;
    const stays = this.presence.get(device.deviceId);
    if (!stays) return from;
    if (stays.some((s) => s.from <= from && from < s.until)) return from;
    if (this.mobileAllows(target, device)) return from;
    const next = stays.find((s) => s.from > from);
    return next && next.from <= until ? next.from : undefined;
  }

  private mobileAllows(target: Download, device: MdmDeviceState): boolean {
    const size = this.sizeOf(target);
    return size <= MOBILE_DOWNLOAD_MAX_BYTES && this.mobileBytesOf(device.deviceId) + size <= MOBILE_DATA_BUDGET_BYTES;
  }

  private inStore(deviceId: string, at: number): boolean {
    const stays = this.presence.get(deviceId);
    return !stays || stays.some((s) => s.from <= at && at < s.until);
  }

  private sizeOf(download: Download): number {
    return isActivation(download) ? download.imageBytes : this.version(download.appVersionId).sizeBytes;
  }

  /** The download a store link's id names. */
  private downloadOf(id: string): Download {
    return (this.targets.get(id) ?? this.activations.get(id))!;
  }

  private startDownload(target: Download, at: number): void {
    const device = this.devices.enrolledById(target.deviceId)!;
    const sizeBytes = this.sizeOf(target);
    target.status = 'DOWNLOADING';
    target.downloadStartedAt = at;
    if (!this.inStore(device.deviceId, at)) {
      target.over = 'mobile';
      this.mobileBytes.set(device.deviceId, this.mobileBytesOf(device.deviceId) + sizeBytes);
      this.downloaded(target, at);
      return;
    }
    target.over = 'store';
    const store = device.groupId ? this.links.get(device.groupId) : undefined;
    if (!store) {
      this.downloaded(target, at); // no link modelled for the store: instant
      return;
    }
    for (const done of store.link.start(downloadKey(target), sizeBytes, store.settings.phoneMbps, Math.max(at, store.link.time))) {
      this.downloaded(this.downloadOf(done.id), done.endedAt);
    }
  }

  private runLinksTo(t: number): void {
    for (const { link } of this.links.values()) {
      if (t < link.time) continue;
      for (const done of link.advanceTo(t)) this.downloaded(this.downloadOf(done.id), done.endedAt);
    }
  }

  private downloaded(target: Download, at: number): void {
    target.status = 'DOWNLOADED';
    target.downloadedAt = at;
    this.awaitingInstall.add(target);
  }

  private installIfDue(target: AppTargetState, until: number): void {
    if (target.status !== 'DOWNLOADED') return;
    const device = this.devices.enrolledById(target.deviceId);
    const at = Math.max(target.downloadedAt ?? 0, target.installFrom);
    if (!device?.online || at > until) return;
    this.awaitingInstall.delete(target);
    const version = this.version(target.appVersionId);
    const rate = this.failureRates.get(`${version.packageName}|${version.versionCode}`) ?? 0;
    if (draw(targetKey(target.appVersionId, target.deviceId)) < rate) {
      target.status = 'FAILED';
      target.failure = 'INSTALL_FAILED_INTERNAL_ERROR';
      return;
    }
    target.status = 'INSTALLED';
    target.installedAt = at;
    this.devices.installVersion(device, version.packageName, version.versionCode, new Date(at).toISOString());
  }

  /** The first sign-in: once the image is there, from activateFrom on, while the phone is online. */
  private activateIfDue(activation: ActivationState, until: number): void {
    if (activation.status !== 'DOWNLOADED') return;
    const device = this.devices.enrolledById(activation.deviceId);
    const at = Math.max(activation.downloadedAt ?? 0, activation.activateFrom);
    if (!device?.online || at > until) return;
    this.awaitingInstall.delete(activation);
    activation.status = 'ACTIVATED';
    activation.activatedAt = at;
  }
}

/** Not started downloading yet. */
function waiting(download: Download): boolean {
  return download.status === (isActivation(download) ? 'SCHEDULED' : 'ASSIGNED');
}

// --- the simulator's admin routes (tests, demo, bench) -----------------------------------------

const rejectAdmin = plainError(400);

/**
 * `PUT /_sim/apps/links/:groupId` ({ uplinkMbps, phoneMbps } or null): the store's uplink;
 * `GET /_sim/apps/links/:groupId` (its use over time and peak);
 * `PUT /_sim/apps/presence/:imei` ({ stays: [{ from, until }] } ISO instants, or null: always in the store);
 * `PUT /_sim/apps/failure-rates` ({ packageName, versionCode, rate });
 * `GET /_sim/apps/versions`, `GET /_sim/apps/targets?appVersionId=` (with install commands per device);
 * `GET /_sim/apps/activations?groupId=` (every activation, or those of the group's phones, with
 * imei and groupId; times as epoch ms: scheduledAt, downloadStartedAt, downloadedAt, activatedAt).
 */
export function mountMdmAppAdmin(admin: Router, registry: MdmDeviceRegistry, catalog: MdmAppCatalog): void {
  const deviceOf = (imei: string): MdmDeviceState => {
    const device = registry.enrolledByImei(imei);
    if (!device) throw new SimHttpError(404, { error: 'unknown IMEI' });
    return device;
  };
  admin.put('/apps/links/:groupId', (req, res) => {
    const body = bodyOf(req);
    if (Object.keys(body).length === 0) {
      catalog.setStoreLink(req.params.groupId, null);
      res.json({ groupId: req.params.groupId, link: null });
      return;
    }
    const fields = new Fields(body, rejectAdmin);
    const settings = { uplinkMbps: fields.optionalNumber('uplinkMbps') ?? 0, phoneMbps: fields.optionalNumber('phoneMbps') ?? 0 };
    if (!(settings.uplinkMbps > 0 && settings.phoneMbps > 0)) throw rejectAdmin('uplinkMbps and phoneMbps must be above 0');
    catalog.setStoreLink(req.params.groupId, settings);
    res.json({ groupId: req.params.groupId, link: settings });
  });
  admin.get('/apps/links/:groupId', (req, res) => {
    const link = catalog.linkOf(req.params.groupId);
    if (!link) throw new SimHttpError(404, { error: 'no link modelled for this group' });
    res.json({ groupId: req.params.groupId, capacityMbps: link.capacityMbps, peakMbps: link.peakMbps(), use: link.use() });
  });
  admin.put('/apps/presence/:imei', (req, res) => {
    const device = deviceOf(req.params.imei);
    const stays = bodyOf(req).stays;
    if (stays === null || stays === undefined) {
      catalog.setPresence(device.deviceId, null);
      res.json({ imei: device.imei, stays: null });
      return;
    }
    if (!Array.isArray(stays)) throw rejectAdmin('stays must be a list of { from, until } or null');
    const parsed = stays.map((s: unknown, i) => {
      const stay = (s ?? {}) as Record<string, unknown>;
      const from = typeof stay.from === 'string' ? Date.parse(stay.from) : Number.NaN;
      const until = typeof stay.until === 'string' ? Date.parse(stay.until) : Number.NaN;
      if (!(from < until)) throw rejectAdmin(`stays[${i}] must have from before until (ISO instants)`);
      return { from, until };
    });
    catalog.setPresence(device.deviceId, parsed);
    res.json({ imei: device.imei, stays: parsed.length });
  });
  admin.put('/apps/failure-rates', (req, res) => {
    const fields = new Fields(bodyOf(req), rejectAdmin);
    const rate = fields.optionalNumber('rate') ?? -1;
    if (!(rate >= 0 && rate <= 1)) throw rejectAdmin('rate must be between 0 and 1');
    const versionCode = fields.optionalNumber('versionCode') ?? 0;
    catalog.setInstallFailureRate(fields.string('packageName'), versionCode, rate);
    res.json({ ok: true });
  });
  admin.get('/apps/versions', (_req, res) => {
    res.json(catalog.listVersions());
  });
  admin.get('/apps/targets', (req, res) => {
    const appVersionId = typeof req.query.appVersionId === 'string' ? req.query.appVersionId : '';
    const targets = catalog.statuses(appVersionId).map((t) => ({
      ...t,
      imei: registry.byId(t.deviceId)?.imei,
      installCommands: catalog.installCommandsFor(appVersionId, t.deviceId),
      mobileBytes: catalog.mobileBytesOf(t.deviceId),
    }));
    res.json(targets);
  });
  admin.get('/apps/activations', (req, res) => {
    const groupId = typeof req.query.groupId === 'string' && req.query.groupId !== '' ? req.query.groupId : undefined;
    const activations = catalog.activationsOf().flatMap((a) => {
      const device = registry.byId(a.deviceId);
      if (groupId !== undefined && device?.groupId !== groupId) return [];
      return [{ ...a, imei: device?.imei, groupId: device?.groupId ?? null }];
    });
    res.json(activations);
  });
}
