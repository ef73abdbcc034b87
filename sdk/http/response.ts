// The fetch-like response of the smart client: status, ok, Headers, and a body readable once
// (text(), json(), arrayBuffer(), bytes(), or the stream itself), plus which host answered,
// after how many attempts, and whether a hedge won.
import type { Dispatcher } from 'undici';

type Body = Dispatcher.ResponseData['body'];

export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  private readonly rawHeaders: Dispatcher.ResponseData['headers'];
  private parsedHeaders: Headers | undefined;
  /** Origin of the host that answered, e.g. http://127.0.0.1:9100 */
  readonly host: string;
  /** Attempts sent for this request (1 = no retry, no hedge). */
  readonly attempts: number;
  /** True when the answer came from a hedged (second) attempt. */
  readonly hedged: boolean;
  readonly body: Body;

  constructor(data: Dispatcher.ResponseData, meta: { host: string; attempts: number; hedged: boolean }) {
    this.status = data.statusCode;
    this.statusText = data.statusText ?? '';
    this.rawHeaders = data.headers;
    this.body = data.body;
    this.host = meta.host;
    this.attempts = meta.attempts;
    this.hedged = meta.hedged;
  }

  /** Response headers as a fetch `Headers` (built on first use). */
  get headers(): Headers {
    if (!this.parsedHeaders) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(this.rawHeaders)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, String(value));
      }
      this.parsedHeaders = headers;
    }
    return this.parsedHeaders;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  text(): Promise<string> {
    return this.body.text();
  }
  json<T = unknown>(): Promise<T> {
    return this.body.json() as Promise<T>;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.arrayBuffer();
  }
  bytes(): Promise<Uint8Array> {
    return this.body.bytes();
  }
  /** Discard the body so the keep-alive connection can be reused. */
  dump(): Promise<void> {
    return this.body.dump();
  }
}
