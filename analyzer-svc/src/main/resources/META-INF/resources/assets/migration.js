// One migration: live progress, the verdict and its reasons, sizes, what was removed, the runtime evidence,
// the plan's carried files (searchable) and the wiring to download.
import { api, age, badge, bytes, download, FINAL, follow, h, showWho } from '/assets/api.js';

const id = new URLSearchParams(location.search).get('id');
const $ = selector => document.getElementById(selector);

const STEPS = {
  'read-layers': 'Reading the layers', 'read-source': 'Reading the source', assemble: 'Assembling',
  pull: 'Pulling images', check: 'Checking images', run: 'Running source and result',
};
const COUNTERS = {
  layers: 'Layers read', bytes: 'Bytes read', programs: 'Programs built', files: 'Files carried',
  images: 'Images', runs: 'Runs', probes: 'Probes run',
};

let doc = null;
let build = null;
let buildLocation = null;
let analysis = null;
const live = {}; // stage -> the latest progress update heard live
let refreshing = null;

async function refresh() {
  try {
    doc = await api('/api/migrations/' + encodeURIComponent(id));
  } catch (e) {
    $('loading').textContent = e.status === 404 ? 'There is no migration ' + id + '.' : 'Cannot load ' + id + ': ' + e.message;
    $('loading').classList.add('error');
    return;
  }
  await loadReports();
  render();
}

/** Re-reads the migration at most every 400 ms while updates stream in. */
function refreshSoon() {
  if (!refreshing) refreshing = setTimeout(() => { refreshing = null; refresh(); }, 400);
}

async function loadReports() {
  const reports = doc.reports || {};
  if (reports.build && reports.build.location !== buildLocation) {
    build = await api('/api/migrations/' + id + '/build').catch(() => null);
    buildLocation = build ? reports.build.location : null;
  }
  if (reports.analyze && !analysis) {
    analysis = await api('/api/migrations/' + id + '/analysis').catch(() => null);
  }
}

function render() {
  $('loading').hidden = true;
  $('page').hidden = false;
  document.title = (doc.source ? doc.source.repository : id) + ' · ' + doc.state + ' · Distill';
  const s = doc.source;
  $('image').textContent = !s ? id : s.registry + '/' + s.repository + (s.tag ? ':' + s.tag : '');
  $('state-badge').replaceChildren(Object.assign(badge(doc.state), { id: 'state' }));
  $('state').dataset.field = 'state';
  renderFacts();
  renderActions();
  renderStages();
  renderVerdict();
  renderSizes();
  renderRemoved();
  renderEvidence();
  renderPlan();
  $('wiring-section').hidden = !(build && build.wiring);
}

function renderFacts() {
  const s = doc.source || {};
  const facts = [
    ['Migration', h('span', { class: 'mono' }, doc.id)],
    ['Digest', h('span', { class: 'mono' }, s.digest || (doc.resolved && doc.resolved.digest) || '–')],
    ['Asked', h('span', { title: doc.requestedAt || '' }, age(doc.requestedAt), ' by ', s.requestedBy || s.trigger || '?')],
  ];
  if (doc.attempts && doc.attempts.length > 1) {
    facts.push(['Attempts', h('span', {}, ...doc.attempts.flatMap((a, i) => [i ? ' · ' : '',
      a.id === doc.id ? h('strong', {}, '#' + a.attempt + ' ' + a.state)
        : h('a', { href: '/migration.html?id=' + a.id }, '#' + a.attempt + ' ' + a.state)]))]);
  }
  if (doc.cancelled) {
    facts.push(['Cancelled', h('span', {}, 'by ', h('strong', { 'data-field': 'cancelled-by' }, doc.cancelled.by), ' at ',
      doc.cancelled.at, doc.cancelled.reason ? ': ' + doc.cancelled.reason : '')]);
  }
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function renderActions() {
  const buttons = [];
  if (!FINAL.has(doc.state)) {
    buttons.push(h('button', { type: 'button', class: 'danger', 'aria-label': 'Cancel this migration',
      onclick: () => act('/cancel', 'Cancel this migration? The stage working on it stops at its next safe point.') }, 'Cancel'));
  } else if (['FAILED', 'BLOCKED', 'NEEDS_REVIEW', 'CANCELLED'].includes(doc.state)) {
    buttons.push(h('button', { type: 'button', 'aria-label': 'Run this image again as a new attempt',
      onclick: () => act('/attempts', null) }, 'Run again'));
  }
  $('actions').replaceChildren(...buttons);
}

async function act(path, confirmation) {
  if (confirmation && !confirm(confirmation)) return;
  $('action-error').hidden = true;
  try {
    const answer = await api('/api/migrations/' + id + path, { method: 'POST' });
    if (path === '/attempts') location.href = '/migration.html?id=' + answer.id;
    else refresh();
  } catch (e) {
    $('action-error').textContent = e.message;
    $('action-error').hidden = false;
  }
}

function stageStatus(stage) {
  if (stage.outcome) return badge(stage.outcome);
  if (stage.startedAt) return h('span', { class: 'badge state-ANALYZING' }, 'running');
  return h('span', { class: 'muted' }, 'waiting');
}

function meter(stage, counter) {
  const label = COUNTERS[counter.name] || counter.name;
  const format = counter.name === 'bytes' ? bytes : n => String(n);
  const value = counter.total > 0 ? format(counter.done) + ' of ' + format(counter.total) : format(counter.done);
  return h('div', { class: 'meter', 'data-counter': counter.name },
    h('span', {}, label),
    counter.total > 0
      ? h('progress', { max: counter.total, value: Math.min(counter.done, counter.total), 'aria-label': stage + ': ' + label.toLowerCase() })
      : h('span', {}),
    h('span', { class: 'value' }, value));
}

function renderStages() {
  $('stages').replaceChildren(...doc.stages.map(stage => {
    const p = live[stage.stage] || (doc.progress || {})[stage.stage];
    const running = stage.startedAt && !stage.endedAt;
    return h('li', { 'data-stage': stage.stage },
      h('div', { class: 'head' }, h('strong', {}, stage.stage), stageStatus(stage)),
      stage.startedAt ? h('div', { class: 'muted' }, 'started ', age(stage.startedAt),
        stage.endedAt ? ', took ' + Math.max(0, Math.round((Date.parse(stage.endedAt) - Date.parse(stage.startedAt)) / 1000)) + ' s' : '') : null,
      stage.reason ? h('div', {}, stage.reason) : null,
      p && (running || stage.stage === 'verify') ? h('div', {},
        h('div', { class: 'muted' }, (STEPS[p.step] || p.step) + (p.round > 0 ? ', repair round ' + p.round : '')),
        ...(p.counters || []).map(c => meter(stage.stage, c))) : null);
  }));
}

function renderVerdict() {
  const v = doc.verdict || (FINAL.has(doc.state) ? doc.state : null);
  $('verdict').replaceChildren(v ? h('span', {}, h('span', { class: 'badge state-' + v, 'data-field': 'verdict' }, v),
    doc.result && doc.result.repairRounds ? ' after ' + doc.result.repairRounds + ' repair round(s)' : '')
    : h('span', { class: 'muted' }, 'Not yet: the migration is ' + doc.state.toLowerCase() + '.'));
  $('reasons').replaceChildren(...(doc.reasons || []).map(r => h('li', {}, r)));
}

function renderSizes() {
  const r = doc.result;
  const images = doc.results || [];
  if (!r && images.length === 0) { $('size-section').hidden = true; return; }
  $('size-section').hidden = false;
  const source = r ? r.sourceSize : (build ? build.sourceUncompressedSize : 0);
  const rows = [{ name: 'Source image', size: source, cls: 'source' },
    ...images.map(i => ({ name: i.program, size: i.uncompressedSize, cls: 'result' }))];
  if (images.length > 1 && r) rows.push({ name: 'All results', size: r.resultSize, cls: 'result' });
  const max = Math.max(1, ...rows.map(x => x.size));
  // Drawn at the width it is shown at, so its text stays readable on a phone.
  const width = Math.max(300, $('size-chart').clientWidth || 640);
  const rowHeight = 30, labelWidth = Math.min(150, Math.round(width * 0.3));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * rowHeight + 6}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Sizes: ' + rows.map(x => x.name + ' ' + bytes(x.size)).join('; '));
  rows.forEach((x, i) => {
    const y = i * rowHeight + 4;
    const barWidth = Math.max(2, (width - labelWidth - 90) * x.size / max);
    svg.append(svgEl('text', { x: 0, y: y + 17 }, x.name),
      svgEl('rect', { x: labelWidth, y, width: barWidth, height: rowHeight - 10, rx: 3, class: x.cls }),
      svgEl('text', { x: labelWidth + barWidth + 6, y: y + 17 }, bytes(x.size)));
  });
  $('size-chart').replaceChildren(svg);
  const body = images.map(i => h('tr', {},
    h('td', {}, i.program, ' ', h('span', { class: 'muted mono' }, i.reference)),
    h('td', { class: 'num' }, bytes(source)),
    h('td', { class: 'num', 'data-field': 'program-size', 'data-bytes': i.uncompressedSize }, bytes(i.uncompressedSize))));
  if (r) {
    body.push(h('tr', {}, h('th', { scope: 'row' }, 'All'),
      h('td', { class: 'num', 'data-field': 'source-size', 'data-bytes': r.sourceSize }, bytes(r.sourceSize)),
      h('td', { class: 'num', 'data-field': 'result-size', 'data-bytes': r.resultSize }, bytes(r.resultSize))));
  }
  $('size-table').tBodies[0].replaceChildren(...body);
}

function svgEl(tag, attributes, text) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function renderRemoved() {
  const items = build && build.leftBehind ? build.leftBehind.items : null;
  const paths = doc.result ? doc.result.surfaceRemoved : [];
  if (!items && paths.length === 0) { $('removed-section').hidden = true; return; }
  $('removed-section').hidden = false;
  const list = items || paths.map(p => ({ kind: '', name: p.split('/').pop(), path: p }));
  $('removed-summary').textContent = list.length + ' item(s) of attack surface the source had and the result does not.';
  $('removed').replaceChildren(...list.map(i => h('li', { 'data-kind': i.kind || '' },
    i.kind ? h('span', { class: 'kind' }, i.kind.replace(/_/g, ' ')) : null, i.kind ? ' ' : null,
    h('span', { class: 'mono', 'data-field': 'removed' }, i.path))));
  renderPackages();
}

/** The surface removed in packages: the verdict's packageSurface (the build's before the verdict). */
function renderPackages() {
  const s = (doc.result && doc.result.packageSurface) || (build && build.leftBehind && build.leftBehind.packageSurface);
  const table = $('packages-remaining');
  if (!s || s.manager === 'NONE') {
    const names = build && build.leftBehind ? build.leftBehind.packages : [];
    $('packages').textContent = names.length
      ? names.length + ' package(s): ' + names.join(', ')
      : 'No package database, or no package left behind.';
    table.hidden = true;
    return;
  }
  $('packages').textContent = s.packagesRemoved + ' of the source\'s ' + s.sourcePackages + ' ' + s.manager.toLowerCase()
    + ' packages and ' + s.filesRemoved + ' of its ' + s.sourceFiles + ' files are gone; '
    + s.remaining.length + ' package(s) remain, in full or in part.';
  table.hidden = s.remaining.length === 0;
  table.tBodies[0].replaceChildren(...s.remaining.map(p => h('tr', { 'data-package': p.name },
    h('td', { 'data-label': 'Package', class: 'mono' }, p.name, ' ', h('span', { class: 'muted' }, p.version)),
    h('td', { 'data-label': 'Carried', 'data-field': 'carried' }, p.partial ? 'in part' : 'in full'),
    h('td', { 'data-label': 'Files', class: 'num' }, p.filesCarried + ' of ' + p.filesTotal),
    h('td', { 'data-label': 'Size', class: 'num', 'data-bytes': p.bytesCarried },
      bytes(p.bytesCarried) + ' of ' + bytes(p.bytesTotal)))));
}

function renderEvidence() {
  const e = doc.result && doc.result.evidence;
  if (!e) { $('evidence-section').hidden = true; return; }
  $('evidence-section').hidden = false;
  $('probes').tBodies[0].replaceChildren(...e.probes.map(p => h('tr', {},
    h('td', { 'data-label': 'Probe' }, p.name),
    h('td', { 'data-label': 'Result image' }, h('span', { class: p.passed ? 'pass' : 'fail' }, p.passed ? 'passed' : 'failed'),
      p.result ? ' · ' + p.result : ''),
    h('td', { 'data-label': 'Source image' }, p.source || h('span', { class: 'muted' }, 'not compared')))));
  const t = e.structureTests;
  $('structure').textContent = 'Structure tests: ' + t.passed + ' passed, ' + t.failed + ' failed, ' + t.skipped + ' skipped.';
  $('checks').replaceChildren(...e.staticChecks.map(c => h('li', {}, c)));
  $('log').textContent = e.logExcerpt || '(nothing written)';
}

let fileRows = null;

function renderPlan() {
  if (!analysis || !analysis.plan) { $('plan-section').hidden = true; return; }
  $('plan-section').hidden = false;
  if (!fileRows) {
    fileRows = analysis.plan.programs.flatMap(p => p.files.map(f => {
      const row = h('tr', {},
        h('td', { 'data-label': 'Program' }, p.name),
        h('td', { 'data-label': 'Path', class: 'mono' }, f.path, f.linkTarget ? ' → ' + f.linkTarget : ''),
        h('td', { 'data-label': 'Why' }, f.reason));
      row.dataset.text = (p.name + ' ' + f.path + ' ' + f.reason).toLowerCase();
      return row;
    }));
    $('files').tBodies[0].replaceChildren(...fileRows);
    $('file-search').addEventListener('input', filterFiles);
  }
  filterFiles();
}

function filterFiles() {
  const q = $('file-search').value.trim().toLowerCase();
  let shown = 0;
  for (const row of fileRows) {
    row.hidden = q !== '' && !row.dataset.text.includes(q);
    if (!row.hidden) shown++;
  }
  $('files-count').textContent = shown + ' of ' + fileRows.length + ' carried files';
}

function describe(u) {
  const stage = (u.stage || '').toLowerCase();
  const what = {
    requested: 'requested', 'stage-started': stage + ' started', resolved: 'image resolved',
    'report-stored': stage + ' report stored', progress: stage + ': ' + (STEPS[u.step] || u.step),
    'stage-ended': stage + ' ended ' + (u.outcome || ''), built: 'repair round ' + u.round + ' built',
    'repair-requested': 'repair round ' + u.round + ' asked for', verdict: 'verdict: ' + u.outcome,
    cancelled: 'cancelled by ' + u.by,
  }[u.kind] || u.kind;
  return h('li', {}, h('time', { datetime: u.at, class: 'muted' }, new Date(u.at).toLocaleTimeString()), ' ', what,
    u.detail ? h('span', { class: 'muted' }, ' · ' + u.detail) : null);
}

function onUpdate(event) {
  const u = event.data;
  if (!u || typeof u !== 'object') return;
  if (u.kind === 'progress') {
    live[u.stage] = u;
    // One line per stage for its progress: the latest replaces the one before.
    $('timeline').querySelectorAll('li[data-progress="' + u.stage + '"]').forEach(li => li.remove());
    const line = describe(u);
    line.dataset.progress = u.stage;
    $('timeline').append(line);
    if (doc) renderStages();
  } else {
    $('timeline').append(describe(u));
    refreshSoon();
  }
  $('timeline').lastChild.scrollIntoView({ block: 'nearest' });
}

$('download-kubernetes').addEventListener('click', () =>
  download('/api/migrations/' + id + '/wiring/kubernetes', id + '-kubernetes.yaml'));
$('download-compose').addEventListener('click', () =>
  download('/api/migrations/' + id + '/wiring/compose', id + '-compose.yaml'));

showWho();
if (!id) {
  $('loading').textContent = 'Which migration? Open one from the list.';
} else {
  refresh();
  follow('/api/migrations/' + encodeURIComponent(id) + '/events', {
    onEvent: onUpdate,
    isLast: e => e.data && FINAL.has(e.data.state) && e.data.kind !== 'progress',
    onStatus: on => {
      $('live').dataset.on = on;
      $('live').textContent = on ? 'live' : '';
    },
  });
}
