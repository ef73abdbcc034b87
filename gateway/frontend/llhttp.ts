// Node's own HTTP/1.1 parser: llhttp compiled into the node binary, the parser node:http itself
// runs on, reached through `_http_common` (the module node:http is built from). The native engine
// parses server responses with it, so framing (Content-Length, chunked, read-until-close, HEAD,
// 1xx, 204/304) and strictness (no bare LF, no obs-fold, no CL + TE) are exactly node:http's.
// When a Node release stops exposing it, `nativeParser` is undefined and the gateway uses undici.
import { createRequire } from 'node:module';

/** One parser instance: `execute` feeds bytes and runs the callbacks stored under the k* slots. */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes consumed, or the parse error (`code` HPE_*). */
  execute(data: Buffer): number | Error;
  /** End of input (the server closed): completes a read-until-close body, or the error. */
  finish(): number | Error | undefined;
  close(): void;
  [slot: number]: unknown;
}

export interface NativeParserClass {
  new (): NativeParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

function load(): { parser: NativeParserClass; methods: readonly string[] } | undefined {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: NativeParserClass; methods?: string[] };
    const parser = common.HTTPParser;
    if (typeof parser !== 'function' || typeof parser.kOnHeadersComplete !== 'number' || typeof parser.RESPONSE !== 'number' || typeof parser.REQUEST !== 'number') return undefined;
    if (typeof parser.kOnMessageBegin !== 'number' || !Array.isArray(common.methods)) return undefined;
    return { parser, methods: common.methods };
  } catch {
    return undefined;
  }
}

const loaded = load();
export const nativeParser: NativeParserClass | undefined = loaded?.parser;
/** Method names by the number the parser reports a request's method as. */
export const parserMethods: readonly string[] = loaded?.methods ?? [];
