// The demo's web tier: a small HTML UI and a JSON API, calling the platform (its :9000 frontend,
// or instances directly) with the sdk's smart HTTP client. Stateless, so several instances sit
// behind the gateway's :8080. The signed-in user is a cookie (`uid`; a demo: no passwords) and
// the read-your-writes token travels in the `ts` cookie (browser) or `x-tiered-session` (API).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../sdk/http/client.js';
import { SESSION_HEADER } from '../http.js';
import type { Profile, TimelineEntry } from './app.js';
import { errorPage, homePage, profilePage, signInPage, trendingPage } from './html.js';

export interface WebOptions {
  /** Platform origins (e.g. http://127.0.0.1:9000). */
  platform: string[];
  port?: number;
  host?: string;
}

export interface RunningWeb {
  port: number;
  server: Server;
  close(): Promise<void>;
}

const API_PATH = /^\/api(\/(users|handles|posts|trending)(\/[^?]*)?)$/;
const PASS_HEADERS = ['content-type', 'cache-control', 'surrogate-key', SESSION_HEADER, 'x-tiered-jobs', 'retry-after'];
const MAX_BODY = 64 * 1024;

export async function startWeb(options: WebOptions): Promise<RunningWeb> {
  const platform = createHttpClient({ hosts: options.platform, name: 'platform', timeout: '5s', health: options.platform.length > 1 ? { path: '/healthz', interval: '2s' } : false });

  async function call(method: string, path: string, token?: string, body?: Record<string, unknown>) {
    const res = await platform.request({ method, path, headers: token ? { [SESSION_HEADER]: token } : {}, body });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = { error: text }; }
    return { status: res.status, json, headers: res.headers };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  const cookies = (req: IncomingMessage) => {
    const out: Record<string, string> = {};
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const i = part.indexOf('=');
      if (i > 0) {
        try { out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim()); } catch {}
      }
    }
    return out;
  };
  const setCookie = (name: string, value: string) => `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax${value ? '' : '; Max-Age=0'}`;
  const html = (res: ServerResponse, status: number, body: string, extra: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store', ...extra });
    res.end(body);
  };
  const redirect = (res: ServerResponse, to: string, setCookies: string[] = []) => {
    res.writeHead(303, { location: to, ...(setCookies.length ? { 'set-cookie': setCookies } : {}) });
    res.end();
  };

  async function proxyApi(req: IncomingMessage, res: ServerResponse, apiPath: string, query: string): Promise<void> {
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    const token = req.headers[SESSION_HEADER];
    const upstream = await platform.request({
      method, path: apiPath + query,
      headers: { ...(typeof token === 'string' ? { [SESSION_HEADER]: token } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body,
    });
    const headers: Record<string, string> = {};
    for (const name of PASS_HEADERS) {
      const v = upstream.headers.get(name);
      if (v !== null) headers[name] = v;
    }
    // Only profiles (GET /api/users/:id) may be cached by the edge; everything else is per user.
    if (!(method === 'GET' && /^\/users\/\d+$/.test(apiPath))) headers['cache-control'] = 'private, no-store';
    const bytes = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, { ...headers, 'content-length': bytes.length });
    res.end(method === 'HEAD' ? undefined : bytes);
  }

  async function me(req: IncomingMessage): Promise<Profile | undefined> {
    const uid = cookies(req).uid;
    if (!uid || !/^\d{1,15}$/.test(uid)) return undefined;
    const r = await call('GET', `/users/${uid}`, cookies(req).ts);
    return r.status === 200 ? (r.json as Profile) : undefined;
  }

  async function page(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const c = cookies(req);
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const user = await me(req);
      const back = (r: { status: number; headers: Headers; json: any }, to: string) => {
        const token = r.headers.get(SESSION_HEADER);
        if (r.status >= 400) return html(res, r.status, errorPage(user, r.status, [r.json.error, ...(r.json.problems ?? [])].filter(Boolean).join('; ')));
        return redirect(res, to, token ? [setCookie('ts', token)] : []);
      };
      if (path === '/signin') {
        const r = await call('GET', `/handles/${encodeURIComponent(form.get('handle') ?? '')}`);
        if (r.status !== 200) return html(res, 404, signInPage(`no user "${form.get('handle') ?? ''}"`));
        return redirect(res, '/', [setCookie('uid', String(r.json.id))]);
      }
      if (path === '/signup') {
        const r = await call('POST', '/users', c.ts, { handle: form.get('handle') ?? '', name: form.get('name') ?? '' });
        if (r.status !== 201) return html(res, r.status, signInPage([r.json.error, ...(r.json.problems ?? [])].filter(Boolean).join('; ')));
        return redirect(res, '/', [setCookie('uid', String(r.json.id)), setCookie('ts', r.headers.get(SESSION_HEADER) ?? '')]);
      }
      if (path === '/signout') return redirect(res, '/', [setCookie('uid', ''), setCookie('ts', '')]);
      if (!user) return redirect(res, '/');
      if (path === '/post') return back(await call('POST', `/users/${user.id}/posts`, c.ts, { body: form.get('body') ?? '' }), '/');
      if (path === '/profile') return back(await call('PUT', `/users/${user.id}`, c.ts, { name: form.get('name') ?? undefined, bio: form.get('bio') ?? undefined }), `/u/${user.handle}`);
      if (path === '/follow') {
        const target = await call('GET', `/handles/${encodeURIComponent(form.get('handle') ?? '')}`);
        if (target.status !== 200) return html(res, 404, errorPage(user, 404, 'no such user'));
        const action = form.get('action') === 'unfollow' ? 'unfollow' : 'follow';
        return back(await call('POST', `/users/${user.id}/${action}`, c.ts, { followee: target.json.id }), `/u/${encodeURIComponent(form.get('handle') ?? '')}`);
      }
      return html(res, 404, errorPage(user, 404, 'not found'));
    }
    if (method !== 'GET' && method !== 'HEAD') return html(res, 405, errorPage(undefined, 405, 'method not allowed'));
    const user = await me(req);
    if (path === '/') {
      if (!user) return html(res, 200, signInPage());
      const r = await call('GET', `/users/${user.id}/home`, c.ts);
      return html(res, r.status === 200 ? 200 : r.status, r.status === 200 ? homePage(user, r.json.posts as TimelineEntry[]) : errorPage(user, r.status, r.json.error));
    }
    const profileMatch = /^\/u\/([a-z0-9_]{1,30})$/.exec(path);
    if (profileMatch) {
      const found = await call('GET', `/handles/${profileMatch[1]}`);
      if (found.status !== 200) return html(res, 404, errorPage(user, 404, `no user @${profileMatch[1]}`));
      const [p, posts] = await Promise.all([call('GET', `/users/${found.json.id}`, c.ts), call('GET', `/users/${found.json.id}/posts`, c.ts)]);
      if (p.status !== 200) return html(res, p.status, errorPage(user, p.status, p.json.error));
      const list = (posts.json as TimelineEntry[]).map((x) => ({ ...x, author: { id: p.json.id, handle: p.json.handle, name: p.json.name } }));
      return html(res, 200, profilePage(user, p.json as Profile, list, undefined));
    }
    if (path === '/trending') {
      const t = await call('GET', '/trending');
      return html(res, 200, trendingPage(user, t.json));
    }
    return html(res, 404, errorPage(user, 404, 'not found'));
  }

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? '' : raw.slice(q);
    const run = async () => {
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('ok\n');
      }
      const api = API_PATH.exec(path);
      if (api) return proxyApi(req, res, api[1], query);
      if (path.startsWith('/api/')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":"not found"}');
      }
      return page(req, res, path);
    };
    run().catch((error: Error & { status?: number }) => {
      if (res.headersSent) return res.destroy();
      const status = error.status ?? 502;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: status === 502 ? `platform unavailable: ${error.message}` : error.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3100, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5000).unref();
      await closed;
      await platform.close();
    },
  };
}
