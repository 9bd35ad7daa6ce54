// The activity registry: every name once, or the worker does not start.
import { describe, expect, it } from 'vitest';
import { ACTIVITY_FACTORIES } from '../../activities/index.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { buildRegistry, DuplicateActivityName } from '../../activities/registry.ts';

// The factories only capture their dependencies; nothing is called while building.
const deps = {} as ActivityDeps;

describe('activity registry', () => {
  it("offers every factory's activities under their own names", () => {
    const registry = buildRegistry({ a: () => ({ one: async () => 1 }), b: () => ({ two: async () => 2 }) }, deps);
    expect(Object.keys(registry).sort()).toEqual(['one', 'two']);
  });

  it('refuses two factories offering the same name, naming the activity and both factories', () => {
    const build = () => buildRegistry({ joiner: () => ({ openSupportTask: async () => 1 }), leaver: () => ({ lockPhone: async () => 2, openSupportTask: async () => 3 }) }, deps);
    expect(build).toThrow(DuplicateActivityName);
    expect(build).toThrow('activity "openSupportTask" is offered by both the "joiner" and the "leaver" activity factories');
  });

  it("builds the worker's registry: no two of phonefleet's factories share an activity name", () => {
    const registry = buildRegistry(ACTIVITY_FACTORIES, deps);
    expect(Object.keys(registry)).toEqual(expect.arrayContaining(['recordHire', 'lockPhone', 'applyRoleChange', 'markLongLeave', 'openSupportTask', 'keepEmployment']));
  });
});
