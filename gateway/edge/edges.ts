// Every edge of this gateway process, by frontend, and the purge fan-out: a purge (admin
// `POST /edge/purge`, the outbox relay) is applied to every local edge and, when a frontend's
// edge names `redis:`, published on `<prefix>purge` so every other gateway instance applies it
// too (an instance skips its own messages). Pub/sub is at-most-once: an instance whose
// subscriber reconnects after a gap purges everything softly (stale, revalidated before reuse).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Edge } from './edge.js';
import { parsePurgeBody, type PurgeRequest } from './purge-body.js';
import { createLogger } from '../../sdk/log/logger.js';

const log = createLogger('gateway');

export interface PurgeResult {
  /** Objects removed or marked stale here, per frontend. */
  purged: Record<string, number>;
  /** Published to the other instances. */
  published: boolean;
  ms: number;
}

export class EdgeRegistry {
  private readonly edges = new Map<string, Edge>();
  private readonly id = randomUUID();
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private channel = '';

  set(frontend: string, edge: Edge | undefined): void {
    const old = this.edges.get(frontend);
    if (old && old !== edge) void old.close();
    if (edge) this.edges.set(frontend, edge);
    else this.edges.delete(frontend);
  }

  get(frontend: string): Edge | undefined {
    return this.edges.get(frontend);
  }

  names(): string[] {
    return [...this.edges.keys()];
  }

  /** Purges through the bus on `url` (idempotent; the first frontend naming redis wins). */
  async connectBus(url: string, prefix: string): Promise<void> {
    if (this.publisher) return;
    this.channel = `${prefix}purge`;
    this.publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    for (const r of [this.publisher, this.subscriber]) r.on('error', (e: Error) => log.warn({ err: e }, `edge purge bus: ${e.message}`));
    let subscribedOnce = false;
    this.subscriber.on('ready', () => {
      void this.subscriber!.subscribe(this.channel).then(() => {
        if (subscribedOnce) void this.applyLocal({ all: true, soft: true }); // a gap: purges may be lost
        subscribedOnce = true;
      });
    });
    this.subscriber.on('message', (_channel: string, text: string) => {
      try {
        const { o, p } = JSON.parse(text) as { o: unknown; p: unknown };
        if (o === this.id) return;
        void this.applyLocal(parsePurgeBody(JSON.stringify(p)));
      } catch (error) {
        log.warn({ err: error }, 'edge purge bus: a message that is not a purge, ignored');
      }
    });
    await new Promise<void>((resolve) => {
      const check = () => (subscribedOnce ? resolve() : setTimeout(check, 10));
      check();
    });
  }

  private async applyLocal(request: PurgeRequest): Promise<Record<string, number>> {
    const purged: Record<string, number> = {};
    for (const [name, edge] of this.edges) purged[name] = await edge.purge(request);
    return purged;
  }

  /** Applies a purge here and (unless `publish: false`: it came from a supervising primary) publishes it. */
  async purge(request: PurgeRequest, options: { publish?: boolean } = {}): Promise<PurgeResult> {
    const started = performance.now();
    const purged = await this.applyLocal(request);
    let published = false;
    if (this.publisher && options.publish !== false) {
      try {
        await this.publisher.publish(this.channel, JSON.stringify({ o: this.id, p: request }));
        published = true;
      } catch (error) {
        log.warn({ err: error }, `edge purge bus: publish failed: ${(error as Error).message}`);
      }
    }
    return { purged, published, ms: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  async close(): Promise<void> {
    for (const edge of this.edges.values()) await edge.close();
    this.edges.clear();
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }
}
