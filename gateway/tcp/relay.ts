// The byte relay of one TCP session: client ⇄ server with backpressure both ways, an idle
// timeout, and a prompt close of one side when the other dies. Client → server is a stream
// pipe; server → client goes through the UpstreamReader (no allocation per read). Knows
// nothing of balancing.
import type { Socket } from 'node:net';
import type { UpstreamReader } from './upstream-reader.js';

/** Why a session ended (the TCP access log's termination state). */
export type RelayEnd = 'client-close' | 'server-close' | 'client-error' | 'server-error' | 'idle-timeout' | 'shutdown';

export interface RelayOptions {
  /** No bytes either way for this long closes both sides. */
  idleTimeoutMs: number;
  /** After one side closed, the other gets this long to flush before it is destroyed. */
  lingerMs?: number;
}

export interface RelayResult {
  end: RelayEnd;
  /** Bytes received from the client (sent to the server). */
  bytesIn: number;
  /** Bytes sent to the client (received from the server). */
  bytesOut: number;
}

export interface Relay {
  readonly done: Promise<RelayResult>;
  /** Bytes so far: from the client, and to it (live, for the stats of open sessions). */
  bytes(): { in: number; out: number };
  /** Closes both sides now (on-marked-down shutdown-sessions, gateway stop). */
  shutdown(): void;
}

/**
 * The idle check samples the byte counters on a coarse timer instead of re-arming a timer on
 * every read and write: an idle session is closed between `idle` and `idle × 1.25` after its
 * last byte.
 */
function watchIdle(idleMs: number, activity: () => number, onIdle: () => void): NodeJS.Timeout {
  let last = activity();
  let quietSince = performance.now();
  const timer = setInterval(() => {
    const now = activity();
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= idleMs) {
      onIdle();
    }
  }, Math.max(10, Math.min(idleMs / 4, 5000)));
  timer.unref();
  return timer;
}

export function relay(client: Socket, server: Socket, reader: UpstreamReader, options: RelayOptions): Relay {
  const linger = options.lingerMs ?? 2000;
  let end: RelayEnd | undefined;
  const settle = (why: RelayEnd) => {
    end ??= why;
  };
  const destroyBoth = () => {
    client.destroy();
    server.destroy();
  };
  const closeSoon = (socket: Socket) => {
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), linger).unref();
  };
  const idle = watchIdle(options.idleTimeoutMs, () => client.bytesRead + reader.bytes, () => {
    settle('idle-timeout');
    destroyBoth();
  });

  const done = new Promise<RelayResult>((resolve) => {
    let open = 2;
    const closed = () => {
      open -= 1;
      if (open > 0) return;
      clearInterval(idle);
      resolve({ end: end ?? 'client-close', bytesIn: client.bytesRead, bytesOut: reader.bytes });
    };
    client.once('close', closed);
    server.once('close', closed);
  });

  client.setNoDelay(true);
  server.setNoDelay(true);
  client.on('end', () => settle('client-close'));
  server.on('end', () => {
    settle('server-close');
    client.end();
  });
  client.on('error', () => {
    settle('client-error');
    destroyBoth();
  });
  server.on('error', () => {
    settle('server-error');
    destroyBoth();
  });
  client.on('close', () => {
    settle('client-close');
    closeSoon(server);
  });
  server.on('close', () => {
    settle('server-close');
    closeSoon(client);
  });

  client.pipe(server);
  reader.attach(server, client);

  return {
    done,
    bytes: () => ({ in: client.bytesRead, out: reader.bytes }),
    shutdown() {
      settle('shutdown');
      destroyBoth();
    },
  };
}
