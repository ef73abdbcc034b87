// The invalidation bus: Redis pub/sub, one channel per cache namespace. Every process drops
// its L1 copies on a message; a process skips its own messages (it already applied them).
// Pub/sub is at-most-once, so when the subscriber connection comes back after a drop, the
// listener is told to flush L1, and while the subscriber is down `healthy` is false so L1
// is bypassed rather than trusted.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../sdk/log/logger.js';

export interface BusMessage {
  keys?: string[];
  tags?: Record<string, string>;
}

export interface BusListener {
  onMessage(message: BusMessage): void;
  /** The subscription was (re)established after a gap, or a message could not be read: messages may have been lost. */
  onGap(): void;
  /** A message on the channel was not a bus message (onGap follows). */
  onMalformed?(error: unknown): void;
}

interface ParsedMessage {
  origin: unknown;
  message: BusMessage;
}

/** Most keys or tags one message may carry (publishers send one invalidate() call's worth). */
const MAX_ITEMS = 100_000;

/**
 * A bus message is `{ o: origin, keys?: string[], tags?: { [tag]: version } }` (JSON); throws on
 * anything else. Exported for tests.
 */
export function parseBusMessage(text: unknown): ParsedMessage {
  if (typeof text !== 'string') throw new TypeError('not a string');
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not an object');
  const { o, keys, tags } = value as Record<string, unknown>;
  if (typeof o !== 'string') throw new TypeError('no origin');
  const message: BusMessage = {};
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length > MAX_ITEMS || !keys.every((k) => typeof k === 'string')) throw new TypeError('keys is not an array of strings');
    message.keys = keys as string[];
  }
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new TypeError('tags is not an object');
    const entries = Object.entries(tags);
    if (entries.length > MAX_ITEMS || !entries.every(([, v]) => typeof v === 'string')) throw new TypeError('tags has non-string versions');
    message.tags = Object.fromEntries(entries) as Record<string, string>;
  }
  if (!message.keys && !message.tags) throw new TypeError('neither keys nor tags');
  return { origin: o, message };
}

export interface InvalidationBus {
  /** Subscribed and connected: L1 may be trusted. */
  readonly healthy: boolean;
  /** Resolves once subscribed (or after 2 s if Redis is away; it keeps retrying). */
  readonly ready: Promise<void>;
  publish(message: BusMessage): Promise<void>;
  close(): Promise<void>;
}

export function createBus(url: string, namespace: string, listener: BusListener): InvalidationBus {
  const log = createLogger('cache');
  const channel = `tiered:cache:${namespace}:invalidate`;
  const origin = randomUUID();
  const options = { maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(50 * times, 1000) };
  const sub = new Redis(url, options);
  const pub = new Redis(url, options);
  sub.on('error', (error) => log.debug({ err: error }, 'cache bus subscriber error'));
  pub.on('error', (error) => log.debug({ err: error }, 'cache bus publisher error'));
  let healthy = false;
  let closing = false;
  let everReady = false;
  let malformed = 0;
  sub.on('message', (_channel: string, text: string) => {
    let parsed: ParsedMessage;
    try {
      parsed = parseBusMessage(text);
    } catch (error) {
      // It may have been an invalidation: forget everything rather than risk serving it from L1.
      malformed += 1;
      log.warn({ err: error, bytes: typeof text === 'string' ? text.length : undefined, malformed }, 'cache bus: malformed message, L1 flushed');
      try {
        listener.onMalformed?.(error);
        listener.onGap();
      } catch (inner) {
        log.warn({ err: inner }, 'cache bus: listener failed');
      }
      return;
    }
    if (parsed.origin === origin) return;
    try {
      listener.onMessage(parsed.message);
    } catch (error) {
      log.warn({ err: error }, 'cache bus: listener failed on a message, L1 flushed');
      try {
        listener.onGap();
      } catch {}
    }
  });
  sub.on('close', () => {
    if (healthy && !closing) log.warn({ channel }, 'cache bus disconnected: L1 bypassed until it is back');
    healthy = false;
  });
  // On every (re)connect: subscribe (idempotent; ioredis also re-subscribes on its own), and
  // only once Redis confirms, flush L1 if this is a reconnect and trust L1 again.
  const onReady = async () => {
    try {
      await sub.subscribe(channel);
    } catch (error) {
      log.warn({ err: error }, 'cache bus: subscribe failed, will retry on reconnect');
      return;
    }
    if (everReady) {
      listener.onGap();
      log.info({ channel }, 'cache bus reconnected: L1 flushed');
    }
    everReady = true;
    healthy = true;
  };
  let firstSubscribed: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    firstSubscribed = resolve;
    setTimeout(resolve, 2000).unref(); // Redis away at start: run without L1 until it comes
  });
  sub.on('ready', () => void onReady().then(() => healthy && firstSubscribed()));
  return {
    ready: first,
    get healthy() {
      return healthy && sub.status === 'ready';
    },
    async publish(message) {
      await pub.publish(channel, JSON.stringify({ o: origin, ...message }));
    },
    async close() {
      closing = true;
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}
