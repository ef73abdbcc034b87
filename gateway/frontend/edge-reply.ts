// The exchange's side of the CDN edge (gateway/edge/seam.ts): the reply the edge answers a
// client through, so the exchange stays the only writer to the client; pass() sends the request
// the ordinary way (server choice, engines, retries) with the edge's Cache-Status/X-Cache added.
import type { EdgeReply } from '../edge/seam.js';
import type { Exchange } from './exchange.js';

export class ExchangeReply implements EdgeReply {
  constructor(private readonly exchange: Exchange) {}

  get closed(): boolean {
    const res = this.exchange.res;
    return this.exchange.done || res.destroyed || res.writableEnded;
  }

  head(status: number, headers: string[]): void {
    this.exchange.edgeHead(status, headers);
  }

  write(chunk: Buffer): boolean {
    const res = this.exchange.res;
    return res.destroyed || res.write(chunk);
  }

  onDrain(listener: () => void): void {
    this.exchange.res.once('drain', listener);
  }

  end(chunk?: Buffer): void {
    const x = this.exchange;
    if (x.res.destroyed) return;
    x.res.end(chunk);
    x.responseEnded();
  }

  fail(status: number, detail: string): void {
    this.exchange.edgeFail(status, detail);
  }

  abort(): void {
    this.exchange.edgeAbort();
  }

  pass(headers: string[]): void {
    this.exchange.edgePass(headers);
  }
}

/** Response headers for the edge only (Surrogate-Key, Surrogate-Control): never sent to clients. */
export function withoutSurrogateHeaders(headers: string[]): string[] {
  let found = false;
  for (let i = 0; i < headers.length; i += 2) if (headers[i].length >= 13 && /^surrogate-(key|control)$/i.test(headers[i])) found = true;
  if (!found) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!/^surrogate-(key|control)$/i.test(headers[i])) out.push(headers[i], headers[i + 1]);
  return out;
}
