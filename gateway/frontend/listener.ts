// An HTTP frontend's listener: the gateway's own llhttp server (`native`, the default), or node:http
// (`node`) when the frontend asks for it, when its backend runs the http-proxy-3 engine (which needs
// node:http's request and response objects), or when this Node does not expose its parser.
import type { BackendConfig, HttpFrontendConfig } from '../config.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';
import type { HttpListener } from './listener-bind.js';
import { nativeParser } from './llhttp.js';
import { listenNative } from './native-listener.js';
import { listenNode } from './node-listener.js';

export type { HttpListener } from './listener-bind.js';

/** Which listener a frontend gets, given the engine of the backend it routes to. Pure. */
export function listenerKind(frontend: HttpFrontendConfig, engine: BackendConfig['engine'] | undefined, parserAvailable = nativeParser !== undefined): 'native' | 'node' {
  if (frontend.server === 'node' || !parserAvailable || engine === 'http-proxy-3') return 'node';
  return 'native';
}

/** Listens with the kind of server the runtime was made for. */
export function listenHttp(runtime: HttpFrontendRuntime): Promise<HttpListener> {
  return runtime.server === 'native' ? listenNative(runtime) : listenNode(runtime);
}
