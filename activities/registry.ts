// The activity registry: one name, one function. Temporal looks activities up by name only, so
// two factories offering the same name would make one of them silently unreachable (an object
// spread keeps the last); the registry refuses to start instead.
import type { ActivityDeps } from './deps.ts';

type ActivityFunction = (...args: never[]) => Promise<unknown>;
export type ActivityFactory = (deps: ActivityDeps) => Record<string, ActivityFunction>;

/** Two factories offer an activity of the same name. */
export class DuplicateActivityName extends Error {
  constructor(
    readonly activity: string,
    readonly factories: [string, string],
  ) {
    super(`activity "${activity}" is offered by both the "${factories[0]}" and the "${factories[1]}" activity factories: rename one`);
    this.name = 'DuplicateActivityName';
  }
}

// The activities of all factories as one object type (what the worker registers).
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
export type ActivitiesOf<F extends Record<string, ActivityFactory>> = Intersection<ReturnType<F[keyof F]>>;

/** Every factory's activities under their names; throws DuplicateActivityName on a clash. */
export function buildRegistry<F extends Record<string, ActivityFactory>>(factories: F, deps: ActivityDeps): ActivitiesOf<F> {
  const registry: Record<string, ActivityFunction> = {};
  const offeredBy = new Map<string, string>();
  for (const [factory, create] of Object.entries(factories)) {
    for (const [name, fn] of Object.entries(create(deps))) {
      const earlier = offeredBy.get(name);
      if (earlier !== undefined) throw new DuplicateActivityName(name, [earlier, factory]);
      offeredBy.set(name, factory);
      registry[name] = fn;
    }
  }
  return registry as ActivitiesOf<F>;
}
