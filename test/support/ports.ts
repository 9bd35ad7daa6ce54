// Free loopback ports for tests that start phonefleet's own processes on fixed ports.
import fs from 'node:fs';
import net from 'node:net';

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * Where the kernel hands out ephemeral ports (a listen on port 0, an outgoing connection): a port
 * chosen now and bound a few seconds later by a child process must lie below it, or a parallel
 * suite's port-0 server can take it in between (seen: EADDRINUSE on a demo simulator's port).
 */
function ephemeralStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/** The first of `count` consecutive free ports below the ephemeral range (simulators listen on SIM_BASE_PORT + i). */
export async function freePorts(count: number): Promise<number> {
  const top = ephemeralStart() - count;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * Math.max(1, top - 20_000));
    if ((await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

export const freePort = () => freePorts(1);
