// A response written by the gateway's own server (native-listener.ts): the head built as one
// string, sent with the first body bytes (one write for a small response), framed as node:http
// frames it: Content-Length when given, else chunked to an HTTP/1.1 client and read-until-close
// to an HTTP/1.0 one; no body after HEAD, 1xx, 204 or 304. `Connection: close` goes out when this
// is the connection's last response.
import { EventEmitter } from 'node:events';
import { STATUS_CODES, validateHeaderName, validateHeaderValue, type OutgoingHttpHeaders } from 'node:http';
import type { FrontResponse } from './front.js';
import type { NativeRequest } from './native-request.js';

/** What the response needs of its connection. */
export interface ResponseOwner {
  write(data: string | Buffer, encoding?: BufferEncoding): boolean;
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
  /** Bytes written but not yet handed to the kernel. */
  readonly pending: number;
  /** The response is complete: the connection goes on to its next request, or closes. */
  ended(response: NativeResponse): void;
  destroy(): void;
}

const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';
/**
 * A body up to this size goes out in one string with its head: a string write is copied on the
 * stack by the socket, where a head and a Buffer written corked cost a malloc'd writev per response.
 */
const INLINE_BODY = 2048;

export class NativeResponse extends EventEmitter implements FrontResponse {
  headersSent = false;
  writableEnded = false;
  shouldKeepAlive: boolean;
  /** Decided by writeHead: this is the connection's last response. */
  closes = false;
  /** The head, until the first body bytes (or the end) take it along. */
  private head: string | undefined;
  private chunked = false;
  private bodyless: boolean;
  /** writeHead saw a Content-Length. */
  private hasLength = false;

  constructor(private readonly owner: ResponseOwner, readonly request: NativeRequest) {
    super();
    this.shouldKeepAlive = request.keepAlive;
    this.bodyless = request.method === 'HEAD';
  }

  get destroyed(): boolean {
    return this.owner.destroyed;
  }

  get writableFinished(): boolean {
    return this.writableEnded && this.owner.pending === 0;
  }

  writeHead(status: number, statusMessage: string | undefined, headers: OutgoingHttpHeaders | string[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    let head = `HTTP/1.1 ${status} ${statusMessage ?? STATUS_CODES[status] ?? 'unknown'}\r\n`;
    this.hasLength = false;
    if (Array.isArray(headers)) for (let i = 0; i < headers.length; i += 2) head += this.headerLine(headers[i], headers[i + 1]);
    else for (const name of Object.keys(headers)) head += this.headerLine(name, headers[name]);
    const hasLength = this.hasLength;
    if (status < 200 || status === 204 || status === 304) this.bodyless = true;
    // A request body still on its way would be read as the next request: this answer is the last.
    if (this.request.body !== undefined && !this.request.complete) this.shouldKeepAlive = false;
    const http10 = this.request.httpVersion === '1.0';
    if (!this.bodyless && !hasLength) {
      if (http10) this.shouldKeepAlive = false; // the body ends with the connection
      else {
        this.chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      }
    }
    this.closes = !this.shouldKeepAlive;
    if (this.closes) head += 'connection: close\r\n';
    else if (http10) head += 'connection: keep-alive\r\n';
    this.head = head + CRLF;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.writableEnded || this.owner.destroyed) return false;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    if (this.bodyless || chunk.length === 0) return this.flushHead();
    const owner = this.owner;
    owner.cork();
    if (this.head !== undefined) {
      owner.write(this.chunked ? `${this.head}${chunk.length.toString(16)}\r\n` : this.head, 'latin1');
      this.head = undefined;
    } else if (this.chunked) owner.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    let more = owner.write(chunk);
    if (this.chunked) more = owner.write(CRLF, 'latin1');
    owner.uncork();
    return more;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded) return this;
    if (!this.headersSent) this.writeHead(200, undefined, []);
    this.writableEnded = true;
    const owner = this.owner;
    if (!owner.destroyed) {
      const body = chunk === undefined || this.bodyless ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (body && body.length > 0 && body.length <= INLINE_BODY && this.head !== undefined && !this.chunked) {
        owner.write(this.head + body.toString('latin1'), 'latin1'); // latin1 round-trips every byte
      } else if (body && body.length > 0) {
        owner.cork();
        if (this.chunked) {
          owner.write(`${this.head ?? ''}${body.length.toString(16)}\r\n`, 'latin1');
          owner.write(body);
          owner.write(`\r\n${LAST_CHUNK}`, 'latin1');
        } else {
          if (this.head !== undefined) owner.write(this.head, 'latin1');
          owner.write(body);
        }
        owner.uncork();
      } else {
        const rest = `${this.head ?? ''}${this.chunked ? LAST_CHUNK : ''}`;
        if (rest.length > 0) owner.write(rest, 'latin1');
      }
      this.head = undefined;
    }
    owner.ended(this);
    return this;
  }

  destroy(): void {
    this.owner.destroy();
  }

  writeEarlyHints(hints: Record<string, string | string[]>): void {
    // No 1xx to an HTTP/1.0 client (RFC 9110 §15.2).
    if (this.headersSent || this.owner.destroyed || this.request.httpVersion === '1.0') return;
    let head = 'HTTP/1.1 103 Early Hints\r\n';
    for (const name of Object.keys(hints)) {
      validateHeaderName(name);
      for (const value of ([] as string[]).concat(hints[name])) {
        validateHeaderValue(name, value);
        head += `${name}: ${value}\r\n`;
      }
    }
    this.owner.write(head + CRLF, 'latin1');
  }

  /** One header's line(s) for the head; Connection and Transfer-Encoding are this server's to decide. */
  private headerLine(name: string, value: string | number | readonly string[] | undefined): string {
    if (value === undefined) return '';
    validateHeaderName(name);
    const lower = name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
    if (lower === 'connection') {
      if (String(value).toLowerCase().includes('close')) this.shouldKeepAlive = false;
      return '';
    }
    if (lower === 'transfer-encoding') return '';
    if (lower === 'content-length') this.hasLength = true;
    if (Array.isArray(value)) {
      let lines = '';
      for (const v of value) {
        validateHeaderValue(name, v);
        lines += `${name}: ${v}\r\n`;
      }
      return lines;
    }
    validateHeaderValue(name, value as string);
    return `${name}: ${value}\r\n`;
  }

  /** A head with no body bytes yet goes out as is (HEAD, 204, or an empty first chunk). */
  private flushHead(): boolean {
    if (this.head === undefined) return true;
    const head = this.head;
    this.head = undefined;
    return this.owner.write(head, 'latin1');
  }
}
