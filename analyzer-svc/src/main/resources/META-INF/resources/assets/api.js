// Shared by Distill's pages: the API token, calls to the API, live event streams, and formatting.
// Plain modules of the browser; nothing is fetched from anywhere but this service.

const TOKEN_KEY = 'distill.token';

/** A token passed as #token=… (never sent to a server: fragments stay in the browser) is kept for this tab. */
function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}
takeTokenFromFragment();

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function authHeaders() {
  const t = token();
  return t ? { Authorization: 'Bearer ' + t } : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status;
    this.body = body;
  }
}

/** Calls the API; a 401 shows the sign-in form and throws. */
export async function api(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const headers = { Accept: accept, ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.status === 401) showSignIn('This page needs an API token.');
  if (!res.ok) throw new ApiError(res.status, typeof payload === 'object' ? payload : { message: payload });
  return payload;
}

/** Downloads what the API answers as a file (the browser cannot send the token with a plain link). */
export async function download(path, filename) {
  const res = await fetch(path, { headers: { Accept: '*/*', ...authHeaders() } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * Follows a Server-Sent Events stream with the token (EventSource cannot send one): calls onEvent({id, name, data})
 * for each event, reconnects with Last-Event-ID when the connection drops, and stops on a 204, on stop(), or when
 * isLast(event) says the stream is over. onStatus(connected) reports the connection.
 */
export function follow(path, { onEvent, onStatus = () => {}, isLast = () => false }) {
  const controller = new AbortController();
  let lastId = null;
  let done = false;
  (async () => {
    while (!done) {
      try {
        const headers = { Accept: 'text/event-stream', ...authHeaders() };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
        if (res.status === 204) break;
        if (res.status === 401 || res.status === 403) {
          showSignIn(res.status === 401 ? 'This page needs an API token.' : 'This token may not read migrations.');
          break;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        onStatus(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done: ended } = await reader.read();
          if (ended) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const event = parse(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (!event) continue;
            if (event.id) lastId = event.id;
            onEvent(event);
            if (isLast(event)) done = true;
          }
        }
      } catch (e) {
        if (controller.signal.aborted) break;
      }
      onStatus(false);
      if (!done) await new Promise(r => setTimeout(r, 3000));
    }
    onStatus(false);
  })();
  return { stop() { done = true; controller.abort(); } };
}

function parse(block) {
  let id = null, name = 'message', data = null;
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data = data === null ? value : data + '\n' + value;
  }
  if (data === null) return null;
  let json = null;
  try { json = JSON.parse(data); } catch (e) { /* not JSON: keep the text */ }
  return { id, name, data: json ?? data };
}

/** Asks for a token in place of the page's content; the token is kept for this tab only. */
export function showSignIn(why) {
  const main = document.querySelector('main');
  if (!main || main.querySelector('form.signin')) return;
  main.replaceChildren(h('section', { class: 'card' },
    h('h1', {}, 'Sign in'),
    h('p', {}, why, ' Ask whoever runs Distill for a token (the local stack writes its tokens under .state/api-tokens/).'),
    h('form', { class: 'signin', onsubmit: e => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, e.target.elements.token.value.trim());
      location.reload();
    } },
    h('label', {}, 'API token', h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true })),
    h('button', { type: 'submit' }, 'Sign in'))));
}

/** Creates an element: h('a', {href: '/'}, 'text', child, ...). */
export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  let v = Math.abs(n), u = 0;
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
  const text = (u === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + UNITS[u];
  return n < 0 ? '−' + text : text;
}

/** How long ago, for people; the exact time goes in a title. */
export function age(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

export const FINAL = new Set(['SUCCEEDED', 'NEEDS_REVIEW', 'BLOCKED', 'FAILED', 'CANCELLED']);
export const STATES = ['REQUESTED', 'ANALYZING', 'ANALYZED', 'BUILDING', 'BUILT', 'VERIFYING', ...FINAL];

export function badge(state) {
  return h('span', { class: 'badge state-' + state }, state);
}

/** Shows who is signed in (or that the page runs without a token) in the header. */
export function showWho() {
  const who = document.querySelector('.who');
  if (who) who.textContent = token() ? 'signed in with a token' : 'no token';
}
