// Errors of the CDN edge, each with a stable code (the gateway's own are in ../errors.ts).
import { TieredError } from '../../sdk/errors.js';

/** Base of every edge error. */
export class EdgeError extends TieredError {}

/** A `POST /edge/purge` body that is not `{"keys":[…]}`, `{"urls":[…]}` or `{"all":true}` (+ `"soft"`). */
export class EdgePurgeBodyError extends EdgeError {
  constructor(detail: string) {
    super('TIERED_ERR_EDGE_PURGE_BODY', `bad purge body: ${detail}`);
  }
}

/** A stored object that cannot be read back (a Redis value written by something else, or cut short). */
export class EdgeStoredObjectError extends EdgeError {
  constructor(key: string, detail: string) {
    super('TIERED_ERR_EDGE_STORED_OBJECT', `stored edge object ${JSON.stringify(key.slice(0, 200))} is unreadable: ${detail}`);
  }
}

/** The origin failed before a response head (the exchange's own 502/503/504 detail). */
export class EdgeOriginError extends EdgeError {
  constructor(readonly status: number, detail: string) {
    super('TIERED_ERR_EDGE_ORIGIN', detail);
  }
}
