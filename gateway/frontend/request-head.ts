// The request head the native engine writes to a server: request line and the header list the
// exchange built (upstreamRequestHead, which already dropped hop-by-hop and framing headers), plus
// the framing of the body as it is sent: chunked when the client's body has no Content-Length
// (node:http de-chunked it), and a Host for an HTTP/1.0 client that sent none. Every piece came
// through node:http's strict parser or from the gateway itself, so no CR or LF can be in it.

/** HTTP/1.1 request head, ready to write (latin1). `host`: added when the list has none. */
export function requestHead(method: string, target: string, headers: readonly string[], chunked: boolean, host: string | undefined): string {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  if (host !== undefined) head += `host: ${host}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return `${head}\r\n`;
}
