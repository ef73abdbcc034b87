// The byte relay of one TCP session: client ⇄ server with backpressure (stream.pipe), an idle
// timeout, and a prompt close of one side when the other dies. Knows nothing of balancing.
import type { Socket } from 'node:net';

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
  /** Closes both sides now (on-marked-down shutdown-sessions, gateway stop). */
  shutdown(): void;
}

export function relay(client: Socket, server: Socket, options: RelayOptions): Relay {
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

  const done = new Promise<RelayResult>((resolve) => {
    let open = 2;
    const closed = () => {
      open -= 1;
      if (open === 0) resolve({ end: end ?? 'client-close', bytesIn: client.bytesRead, bytesOut: client.bytesWritten });
    };
    client.once('close', closed);
    server.once('close', closed);
  });

  client.setNoDelay(true);
  server.setNoDelay(true);
  client.on('end', () => settle('client-close'));
  server.on('end', () => settle('server-close'));
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
  const idle = () => {
    settle('idle-timeout');
    destroyBoth();
  };
  client.setTimeout(options.idleTimeoutMs, idle);
  server.setTimeout(options.idleTimeoutMs, idle);

  client.pipe(server);
  server.pipe(client);

  return {
    done,
    shutdown() {
      settle('shutdown');
      destroyBoth();
    },
  };
}
