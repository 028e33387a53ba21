// The migrations list: newest first, filtered by state and repository, updated live from the event stream.
import { api, age, badge, bytes, follow, h, showWho, STATES } from '/assets/api.js';

const form = document.querySelector('form.filters');
const table = document.getElementById('migrations');
const status = document.getElementById('list-status');
const live = document.querySelector('.live');

const stateSelect = form.elements.state;
for (const s of STATES) stateSelect.append(h('option', { value: s }, s));

function filters() {
  const params = new URLSearchParams(location.search);
  return { state: params.get('state') || '', repository: params.get('repository') || '' };
}

function fill() {
  const f = filters();
  stateSelect.value = f.state;
  form.elements.repository.value = f.repository;
}

function saved(m) {
  if (!m.result) return h('span', { class: 'muted' }, '–');
  const diff = m.result.sourceSize - m.result.resultSize;
  const pct = m.result.sourceSize > 0 ? Math.round(100 * diff / m.result.sourceSize) : 0;
  return h('span', { 'data-bytes': diff, title: bytes(m.result.sourceSize) + ' → ' + bytes(m.result.resultSize) },
    bytes(diff), ' ', h('span', { class: 'muted' }, '(' + String(pct).replace('-', '−') + ' %)'));
}

function row(m) {
  const repository = m.source ? m.source.registry + '/' + m.source.repository : '?';
  const tag = m.source && m.source.tag ? ':' + m.source.tag : '';
  const link = '/migration.html?id=' + encodeURIComponent(m.id);
  return h('tr', { 'data-id': m.id },
    h('td', { 'data-label': 'Repository' }, h('a', { href: link }, repository + tag),
      m.source && m.source.attempt > 1 ? h('span', { class: 'muted' }, ' (attempt ' + m.source.attempt + ')') : null),
    h('td', { 'data-label': 'State' }, badge(m.state)),
    h('td', { 'data-label': 'Age', title: m.requestedAt || '' }, age(m.requestedAt)),
    h('td', { 'data-label': 'Size saved', class: 'num' }, saved(m)),
    h('td', { 'data-label': 'Migration' }, h('a', { href: link, class: 'mono', 'aria-label': 'Migration ' + m.id }, m.id)));
}

async function load() {
  const f = filters();
  const query = new URLSearchParams({ limit: '200' });
  if (f.state) query.set('state', f.state);
  if (f.repository) query.set('repository', f.repository);
  try {
    const answer = await api('/api/migrations?' + query);
    table.tBodies[0].replaceChildren(...answer.migrations.map(row));
    table.hidden = answer.count === 0;
    status.textContent = answer.count === 0 ? 'No migrations match.'
      : answer.count + (answer.count === 1 ? ' migration' : ' migrations') + ', newest first.';
  } catch (e) {
    status.textContent = 'Cannot list migrations: ' + e.message;
    status.classList.add('error');
  }
}

form.addEventListener('submit', e => {
  e.preventDefault();
  const query = new URLSearchParams();
  if (stateSelect.value) query.set('state', stateSelect.value);
  if (form.elements.repository.value.trim()) query.set('repository', form.elements.repository.value.trim());
  history.pushState(null, '', query.toString() ? '?' + query : location.pathname);
  load();
});
form.addEventListener('reset', () => setTimeout(() => form.requestSubmit(), 0));
window.addEventListener('popstate', () => { fill(); load(); });

// Every transition of any migration refreshes the list, at most twice a second.
let pending = null;
follow('/api/migrations/events', {
  onEvent: () => {
    if (!pending) pending = setTimeout(() => { pending = null; load(); }, 500);
  },
  onStatus: on => {
    live.dataset.on = on;
    live.textContent = on ? 'live' : 'reconnecting…';
  },
});

showWho();
fill();
load();
