// What a test does to the outside world: src/systems/simulated-world.ts (the benchmarks use it too).
export * from '../../src/systems/simulated-world.ts';
