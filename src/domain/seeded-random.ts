// A small seeded generator (mulberry32) for jitter that must come out the same on a re-run or a
// replay (first logins, the benches' random stores): the same seed, the same numbers in [0, 1).

export function seededRandom(seed: string | number): () => number {
  let a = 0;
  if (typeof seed === 'number') a = seed >>> 0;
  else for (const c of seed) a = (Math.imul(a ^ c.charCodeAt(0), 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
