// How releases roll out unless the deployment says otherwise (issue 9 §3-5): the rings and the
// gate from the domain's defaults, a phone's Wi-Fi rate, the store plans' batches and horizon,
// and how often the process looks at the MDM, the crash reporter, freezes and operators.
import { DEFAULT_GATE } from '../domain/health-gate.ts';
import { DEFAULT_RINGS } from '../domain/release-rings.ts';
import type { ReleasePolicy } from '../../workflows/release-contract.ts';

export const DEFAULT_RELEASE_POLICY: ReleasePolicy = {
  rings: DEFAULT_RINGS,
  gate: DEFAULT_GATE,
  phoneMbps: 20,
  batchSpan: '4 hours',
  planHorizon: '14 days',
  statusPollFirst: '5 minutes',
  statusPollMax: '2 hours',
  stragglerGrace: '3 days',
  healthPoll: '15 minutes',
  freezeRecheck: '1 hour',
  operatorWait: '7 days',
};

/** The demo's releases (`npm start` on the embedded default): rings that bake a minute, status every few seconds. */
export const DEMO_RELEASE_POLICY: ReleasePolicy = {
  ...DEFAULT_RELEASE_POLICY,
  rings: { ...DEFAULT_RINGS, bakeMs: [60_000, 60_000, 0] },
  gate: { ...DEFAULT_GATE, minInstalls: 5, minExposureMs: 60_000 },
  batchSpan: '2 minutes',
  planHorizon: '2 days',
  statusPollFirst: '5 seconds',
  statusPollMax: '1 minute',
  stragglerGrace: '10 minutes',
  healthPoll: '10 seconds',
  freezeRecheck: '1 minute',
};
