// Compressed variants (pure decisions + zlib): when the client accepts br or gzip and the origin
// sent uncompressed text, the edge stores and serves a compressed variant (Vary: Accept-Encoding).
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts (br over gzip; q=0 refuses one). */
export function negotiate(acceptEncoding: string | string[] | undefined): Encoding {
  if (acceptEncoding === undefined) return 'identity';
  const text = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  let br = 0;
  let gzip = 0;
  let star = -1;
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q)) q = 0;
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') star = q;
  }
  if (star > 0) {
    if (br === 0 && !/\bbr\b/i.test(text)) br = star;
    if (gzip === 0 && !/gzip/i.test(text)) gzip = star;
  }
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return 'identity';
}

/** Text worth compressing (images, video and archives are compressed already). */
export function compressible(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type.startsWith('text/') || /^application\/(?:json|javascript|ecmascript|xml|xhtml\+xml|rss\+xml|atom\+xml|manifest\+json|ld\+json|wasm)$/.test(type) || type.endsWith('+json') || type.endsWith('+xml') || type === 'image/svg+xml';
}

/** Smallest body worth compressing (below it, headers cost more than is saved). */
export const MIN_COMPRESS_BYTES = 256;

export function compress(body: Buffer, encoding: 'br' | 'gzip'): Buffer {
  if (encoding === 'gzip') return gzipSync(body, { level: 6 });
  return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

/** The variant's entity tag: a compressed body is another representation (nginx weakens it; we name it). */
export function variantEtag(etag: string | undefined, encoding: Encoding): string | undefined {
  if (etag === undefined || encoding === 'identity') return etag;
  const weakPrefix = etag.startsWith('W/') ? 'W/' : '';
  const inner = weakPrefix ? etag.slice(2) : etag;
  return inner.endsWith('"') ? `${weakPrefix}${inner.slice(0, -1)}-${encoding}"` : etag;
}

/** `Vary` with Accept-Encoding added once. */
export function varyWithEncoding(vary: string | undefined): string {
  if (!vary) return 'Accept-Encoding';
  return /(^|,)\s*accept-encoding\s*(,|$)/i.test(vary) ? vary : `${vary}, Accept-Encoding`;
}
