// The demo web tier's HTML: small pages, every value escaped.
import type { Profile, TimelineEntry } from './app.js';

export const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title: string, me: Profile | undefined, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Tiered timeline</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:640px;margin:2em auto;padding:0 1em;color:#222}
header{display:flex;gap:1em;align-items:baseline;border-bottom:1px solid #ddd;margin-bottom:1em}header h1{font-size:1.2em;margin:.4em 0}
.post{border-bottom:1px solid #eee;padding:.6em 0}.meta{color:#777;font-size:.85em}textarea{width:100%;box-sizing:border-box}
form.inline{display:inline}input,textarea,button{font:inherit}.err{color:#b00}</style></head><body>
<header><h1><a href="/">Timeline</a></h1>${me ? `<span>@${esc(me.handle)}</span><a href="/u/${esc(me.handle)}">profile</a><form class="inline" method="post" action="/signout"><button>sign out</button></form>` : ''}<a href="/trending">trending</a></header>
${body}<p class="meta">A Tiered demo: web tier → platform (:9000) → cache + PostgreSQL replica / primary; posts fan out through a queue.</p></body></html>`;
}

export function postList(posts: TimelineEntry[]): string {
  if (posts.length === 0) return '<p class="meta">Nothing here yet.</p>';
  return posts.map((p) => `<div class="post"><a href="/u/${esc(p.author.handle)}"><b>${esc(p.author.name)}</b> @${esc(p.author.handle)}</a><div>${esc(p.body)}</div><div class="meta">#${p.id} · ${esc(p.createdAt)}</div></div>`).join('\n');
}

export function signInPage(error?: string): string {
  return layout('Sign in', undefined, `${error ? `<p class="err">${esc(error)}</p>` : ''}
<h2>Sign in</h2><form method="post" action="/signin"><input name="handle" placeholder="handle (e.g. user1)" required> <button>sign in</button></form>
<h2>New account</h2><form method="post" action="/signup"><input name="handle" placeholder="handle" required> <input name="name" placeholder="name" required> <button>create</button></form>
<p class="meta">A demo: signing in only picks whose timeline you see. No passwords.</p>`);
}

export function homePage(me: Profile, posts: TimelineEntry[], error?: string): string {
  return layout('Home', me, `${error ? `<p class="err">${esc(error)}</p>` : ''}
<form method="post" action="/post"><textarea name="body" rows="3" maxlength="280" placeholder="What is happening? (#hashtags count toward trending)" required></textarea><button>post</button></form>
<h2>Home</h2>${postList(posts)}`);
}

export function profilePage(me: Profile | undefined, user: Profile, posts: TimelineEntry[], follows: boolean | undefined): string {
  const own = me?.id === user.id;
  const button = (action: string) => `<form class="inline" method="post" action="/follow"><input type="hidden" name="handle" value="${esc(user.handle)}"><input type="hidden" name="action" value="${action}"><button>${action}</button></form>`;
  const followForm = me && !own ? (follows === undefined ? `${button('follow')} ${button('unfollow')}` : button(follows ? 'unfollow' : 'follow')) : '';
  const edit = own ? `<form method="post" action="/profile"><input name="name" value="${esc(user.name)}" maxlength="80"> <input name="bio" value="${esc(user.bio)}" maxlength="300" placeholder="bio"> <button>save</button></form>` : '';
  return layout(`@${user.handle}`, me, `<h2>${esc(user.name)} <span class="meta">@${esc(user.handle)}</span></h2><p>${esc(user.bio)}</p>
<p class="meta">${user.followers} followers · ${user.following} following</p>${followForm}${edit}<h3>Posts</h3>${postList(posts)}`);
}

export function trendingPage(me: Profile | undefined, t: { computedAt: string | null; tags: { tag: string; count: number }[] }): string {
  const rows = t.tags.map((x) => `<li>#${esc(x.tag)} <span class="meta">${x.count}</span></li>`).join('');
  return layout('Trending', me, `<h2>Trending (last hour)</h2>${rows ? `<ol>${rows}</ol>` : '<p class="meta">Not computed yet (every minute).</p>'}<p class="meta">computed ${esc(t.computedAt ?? 'never')}</p>`);
}

export function errorPage(me: Profile | undefined, status: number, message: string): string {
  return layout(`Error ${status}`, me, `<p class="err">${esc(message)}</p>`);
}
