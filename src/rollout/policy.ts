// How often a store rollout looks again at what it waits for, unless the deployment says
// otherwise: new phones prepared for an activation round, and a session's phones' images.
import type { RolloutPolicy } from '../../workflows/store-rollout-contract.ts';

export const DEFAULT_ROLLOUT_POLICY: RolloutPolicy = { activationRecheck: '15 minutes', imagePoll: '5 minutes' };

/** The demo's rollouts (`npm run demo:rollout`): sessions of minutes, so the rollout looks every few seconds. */
export const DEMO_ROLLOUT_POLICY: RolloutPolicy = { activationRecheck: '10 seconds', imagePoll: '5 seconds' };
