// Maximum flow (Dinic's algorithm) on integer capacities: the training planner's exact core.
// Seats, floor minimums and imaged phones are all capacities on the way from an employee to a
// training slot, so "can everyone be trained within D days" is "does the maximum flow carry
// everyone", and the flow found is integral (whole people in whole sessions).
// Pure; O(V^2 E) at worst, far less on these layered graphs (thousands of people in a second).

export class FlowNetwork {
  private readonly head: number[] = [];
  private readonly to: number[] = [];
  private readonly cap: number[] = [];
  private readonly next: number[] = [];
  private readonly original: number[] = [];
  private level: Int32Array = new Int32Array(0);
  private cursor: number[] = [];

  /** A new node's index. */
  node(): number {
    this.head.push(-1);
    return this.head.length - 1;
  }

  /** An edge from→to with `capacity`; its index, for flowOn(). */
  edge(from: number, to: number, capacity: number): number {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity ${capacity} must be a whole number, 0 or more`);
    const forward = this.to.length;
    this.add(from, to, capacity);
    this.add(to, from, 0);
    this.original.push(capacity, 0);
    return forward;
  }

  /** What flows on the edge `edge` returned. */
  flowOn(edge: number): number {
    return this.original[edge]! - this.cap[edge]!;
  }

  /** Pushes the maximum flow from `source` to `sink`; returns its value. */
  maxFlow(source: number, sink: number): number {
    let total = 0;
    while (this.layer(source, sink)) {
      this.cursor = [...this.head];
      for (let pushed = this.push(source, sink, Number.MAX_SAFE_INTEGER); pushed > 0; pushed = this.push(source, sink, Number.MAX_SAFE_INTEGER)) total += pushed;
    }
    return total;
  }

  private add(from: number, to: number, capacity: number): void {
    this.to.push(to);
    this.cap.push(capacity);
    this.next.push(this.head[from]!);
    this.head[from] = this.to.length - 1;
  }

  /** Breadth-first levels from the source; false when the sink is out of reach. */
  private layer(source: number, sink: number): boolean {
    this.level = new Int32Array(this.head.length).fill(-1);
    this.level[source] = 0;
    const queue = [source];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i]!;
      for (let e = this.head[v]!; e !== -1; e = this.next[e]!) {
        const w = this.to[e]!;
        if (this.cap[e]! > 0 && this.level[w] === -1) {
          this.level[w] = this.level[v]! + 1;
          queue.push(w);
        }
      }
    }
    return this.level[sink] !== -1;
  }

  /** One augmenting path along the levels (iterative, so deep graphs do not overflow the stack). */
  private push(source: number, sink: number, limit: number): number {
    const path: number[] = [];
    let v = source;
    for (;;) {
      if (v === sink) {
        let bottleneck = limit;
        for (const e of path) bottleneck = Math.min(bottleneck, this.cap[e]!);
        for (const e of path) {
          this.cap[e]! -= bottleneck;
          this.cap[e ^ 1]! += bottleneck;
        }
        return bottleneck;
      }
      let advanced = false;
      for (let e = this.cursor[v]!; e !== -1; e = this.next[e]!) {
        const w = this.to[e]!;
        if (this.cap[e]! > 0 && this.level[w] === this.level[v]! + 1) {
          this.cursor[v] = e;
          path.push(e);
          v = w;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      // A dead end: never try this node again in this phase, and step back.
      this.cursor[v] = -1;
      this.level[v] = -1;
      if (path.length === 0) return 0;
      const back = path.pop()!;
      v = this.to[back ^ 1]!;
      this.cursor[v] = this.next[this.cursor[v]!]!;
    }
  }
}
