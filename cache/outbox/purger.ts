// Edge purge by surrogate key. The relay takes any async callback; httpPurger posts
// `{"keys":[…]}` to the gateway's admin `POST /edge/purge` (docs/edge.md) with a bearer token.
// A non-2xx answer throws, so the relay retries the row.
import { request } from 'undici';

export type Purger = (surrogateKeys: string[]) => Promise<void>;

export interface HttpPurgerOptions {
  /** The gateway admin's purge endpoint, e.g. http://127.0.0.1:8404/edge/purge */
  url: string;
  token?: string;
  timeoutMs?: number;
}

export function httpPurger(options: HttpPurgerOptions): Purger {
  return async (surrogateKeys) => {
    const response = await request(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      body: JSON.stringify({ keys: surrogateKeys }),
      headersTimeout: options.timeoutMs ?? 5000,
      bodyTimeout: options.timeoutMs ?? 5000,
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`purge ${options.url} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    }
  };
}
