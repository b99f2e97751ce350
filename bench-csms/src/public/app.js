'use strict';
// bench-csms page: polls the JSON API once a second and updates the DOM in
// place (keyed by charger id / transaction id) so forms keep their input.

const kPollMs = 1000;
const cards = new Map();   // chargerId -> card element
const txRows = new Map();  // transactionId -> row element
let connectedIds = new Set();

function $(sel, root = document) {
  return root.querySelector(sel);
}

function setText(el, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString([], {hour12: false});
}

function fmtNum(v, digits = 0) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

function statusClass(status) {
  switch (status) {
    case 'Available': return 'ok';
    case 'Charging': return 'charging';
    case 'Preparing': case 'Finishing': return 'info';
    case 'SuspendedEV': case 'SuspendedEVSE': case 'Reserved': return 'warn';
    case 'Faulted': return 'bad';
    default: return '';
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try {
    json = await res.json();
  } catch {
    throw new Error(`HTTP ${res.status} with a non-JSON body`);
  }
  return json;
}

function describeResult(action, out) {
  if (out.ok) {
    const r = out.result || {};
    if (r.status) return [true, `${action}: ${r.status}`];
    return [true, `${action}: answered`];
  }
  const e = out.error || {};
  return [false, `${action} failed: ${e.code || 'Error'}${e.message ? ' — ' + e.message : ''}`];
}

async function runCall(chargerId, action, payload, resultEl) {
  setText(resultEl, `${action}: waiting for the charger…`);
  resultEl.className = 'result';
  try {
    const out = await api('POST', `/api/chargers/${encodeURIComponent(chargerId)}/call`, {action, payload, timeoutMs: 15000});
    const [ok, text] = describeResult(action, out);
    setText(resultEl, text);
    resultEl.className = `result ${ok ? 'ok' : 'bad'}`;
    return out;
  } catch (err) {
    setText(resultEl, `${action} failed: ${err.message}`);
    resultEl.className = 'result bad';
    return null;
  }
}

function showConfiguration(card, out) {
  const box = $('.config-result', card);
  const tbody = $('tbody', box);
  tbody.replaceChildren();
  if (!out || !out.ok) {
    box.classList.add('hidden');
    return;
  }
  for (const kv of out.result.configurationKey || []) {
    const tr = document.createElement('tr');
    tr.dataset.testid = `config-row-${kv.key}`;
    for (const v of [kv.key, kv.value ?? '', kv.readonly ? 'yes' : 'no']) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const unknown = out.result.unknownKey || [];
  setText($('.unknown-keys', box), unknown.length ? `Unknown keys: ${unknown.join(', ')}` : '');
  box.classList.remove('hidden');
}

function createCard(id) {
  const card = $('#charger-template').content.firstElementChild.cloneNode(true);
  card.dataset.testid = `charger-${id}`;
  card.dataset.chargerId = id;
  setText($('.charger-id', card), id);
  $('.charger-id', card).dataset.testid = `charger-id-${id}`;
  $('.badge.conn', card).dataset.testid = `charger-connected-${id}`;
  $('.boot', card).dataset.testid = `charger-boot-${id}`;
  $('.connectors', card).dataset.testid = `connectors-${id}`;
  const result = $('.result', card);
  result.dataset.testid = `cmd-result-${id}`;
  $('.config-result', card).dataset.testid = `config-result-${id}`;

  const rs = $('form.remote-start', card);
  rs.dataset.testid = `remote-start-form-${id}`;
  rs.idTag.dataset.testid = `remote-start-idtag-${id}`;
  rs.connectorId.dataset.testid = `remote-start-connector-${id}`;
  $('button', rs).dataset.testid = `remote-start-${id}`;
  rs.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const payload = {idTag: rs.idTag.value.trim()};
    const c = Number(rs.connectorId.value);
    if (rs.connectorId.value !== '' && Number.isInteger(c)) payload.connectorId = c;
    runCall(id, 'RemoteStartTransaction', payload, result);
  });

  const reset = $('form.reset', card);
  reset.dataset.testid = `reset-form-${id}`;
  for (const b of reset.querySelectorAll('button')) b.dataset.testid = `reset-${b.value.toLowerCase()}-${id}`;
  reset.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const type = ev.submitter?.value === 'Hard' ? 'Hard' : 'Soft';
    runCall(id, 'Reset', {type}, result);
  });

  const av = $('form.availability', card);
  av.dataset.testid = `availability-form-${id}`;
  av.connectorId.dataset.testid = `availability-connector-${id}`;
  av.type.dataset.testid = `availability-type-${id}`;
  $('button', av).dataset.testid = `availability-submit-${id}`;
  av.addEventListener('submit', (ev) => {
    ev.preventDefault();
    runCall(id, 'ChangeAvailability', {connectorId: Number(av.connectorId.value || 0), type: av.type.value}, result);
  });

  const gc = $('form.get-config', card);
  gc.dataset.testid = `get-config-form-${id}`;
  gc.keys.dataset.testid = `get-config-keys-${id}`;
  $('button', gc).dataset.testid = `get-config-${id}`;
  gc.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const keys = gc.keys.value.split(',').map((k) => k.trim()).filter(Boolean);
    const out = await runCall(id, 'GetConfiguration', keys.length ? {key: keys} : {}, result);
    if (out && out.ok) {
      setText(result, `GetConfiguration: ${(out.result.configurationKey || []).length} keys`);
    }
    showConfiguration(card, out);
  });

  const cc = $('form.change-config', card);
  cc.dataset.testid = `change-config-form-${id}`;
  cc.key.dataset.testid = `change-config-key-${id}`;
  cc.value.dataset.testid = `change-config-value-${id}`;
  $('button', cc).dataset.testid = `change-config-${id}`;
  cc.addEventListener('submit', (ev) => {
    ev.preventDefault();
    runCall(id, 'ChangeConfiguration', {key: cc.key.value.trim(), value: cc.value.value}, result);
  });
  return card;
}

function renderConnectors(card, ch) {
  const tbody = $('.connectors tbody', card);
  const rows = new Map([...tbody.children].map((tr) => [tr.dataset.connectorId, tr]));
  for (const c of ch.connectors) {
    const key = String(c.connectorId);
    let tr = rows.get(key);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.connectorId = key;
      tr.dataset.testid = `connector-${ch.id}-${key}`;
      const cells = ['conn', 'status', 'error', 'energy', 'power', 'current', 'voltage', 'soc', 'updated'];
      for (const name of cells) {
        const td = document.createElement('td');
        td.className = name;
        if (['energy', 'power', 'current', 'voltage', 'soc'].includes(name)) td.classList.add('num');
        td.dataset.testid = `${name === 'conn' ? 'connector-id' : name === 'status' ? 'connector-status' : name === 'error' ? 'connector-error' : name === 'updated' ? 'connector-updated' : 'meter-' + name}-${ch.id}-${key}`;
        tr.appendChild(td);
      }
      const badge = document.createElement('span');
      tr.querySelector('.status').appendChild(badge);
      // keep rows ordered by connector id
      const after = [...tbody.children].find((r) => Number(r.dataset.connectorId) > c.connectorId);
      tbody.insertBefore(tr, after || null);
    }
    setText(tr.querySelector('.conn'), c.connectorId === 0 ? '0 (charger)' : c.connectorId);
    const badge = tr.querySelector('.status span');
    setText(badge, c.status ?? '—');
    badge.className = `badge ${statusClass(c.status)}`;
    const err = tr.querySelector('.error');
    setText(err, c.errorCode ?? '—');
    err.className = `error ${c.errorCode && c.errorCode !== 'NoError' ? 'err-some' : 'err-none'}`;
    err.title = [c.info, c.vendorErrorCode].filter(Boolean).join(' · ');
    const m = c.meter || {};
    setText(tr.querySelector('.energy'), fmtNum(m.energyWh));
    setText(tr.querySelector('.power'), fmtNum(m.powerW));
    setText(tr.querySelector('.current'), fmtNum(m.currentA, 1));
    setText(tr.querySelector('.voltage'), fmtNum(m.voltageV, 1));
    setText(tr.querySelector('.soc'), fmtNum(m.soc));
    setText(tr.querySelector('.updated'), fmtTime(m.updatedAt || c.updatedAt));
  }
}

function renderChargers(state) {
  const box = $('#chargers');
  $('#no-chargers').classList.toggle('hidden', state.chargers.length > 0);
  const seen = new Set();
  for (const ch of state.chargers) {
    seen.add(ch.id);
    let card = cards.get(ch.id);
    if (!card) {
      card = createCard(ch.id);
      cards.set(ch.id, card);
      box.appendChild(card);
    }
    card.classList.toggle('offline', !ch.connected);
    const badge = $('.badge.conn', card);
    setText(badge, ch.connected ? 'connected' : 'disconnected');
    badge.className = `badge conn ${ch.connected ? 'ok' : 'bad'}`;
    const b = ch.boot;
    const bootText = b
      ? `${b.params.chargePointVendor} ${b.params.chargePointModel}${b.params.firmwareVersion ? ' · fw ' + b.params.firmwareVersion : ''} · boot ${b.status} (#${b.count})`
      : 'no BootNotification yet';
    setText($('.boot', card), bootText);
    setText($('.hb', card), ch.lastHeartbeat ? `heartbeat ${fmtTime(ch.lastHeartbeat)}` : '');
    for (const el of card.querySelectorAll('.controls button, .controls input, .controls select')) {
      el.disabled = !ch.connected;
    }
    renderConnectors(card, ch);
  }
  for (const [id, card] of cards) {
    if (!seen.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }
}

function renderTransactions(list) {
  const tbody = $('#tx-body');
  $('#no-tx').classList.toggle('hidden', list.length > 0);
  const seen = new Set();
  // newest first
  const sorted = [...list].sort((a, b) => b.transactionId - a.transactionId);
  let prev = null;
  for (const tx of sorted) {
    const key = String(tx.transactionId);
    seen.add(key);
    let tr = txRows.get(key);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.testid = `tx-row-${key}`;
      for (const name of ['id', 'charger', 'conn', 'idtag', 'start', 'meterstart', 'stop', 'meterstop', 'energy', 'reason', 'status', 'action']) {
        const td = document.createElement('td');
        td.className = name;
        if (['meterstart', 'meterstop', 'energy'].includes(name)) td.classList.add('num');
        td.dataset.testid = `tx-${name}-${key}`;
        tr.appendChild(td);
      }
      const badge = document.createElement('span');
      tr.querySelector('.status').appendChild(badge);
      txRows.set(key, tr);
    }
    // keep DOM order = sorted order without re-creating rows
    const expectedNext = prev ? prev.nextSibling : tbody.firstChild;
    if (expectedNext !== tr) tbody.insertBefore(tr, expectedNext);
    prev = tr;

    setText(tr.querySelector('.id'), tx.transactionId);
    setText(tr.querySelector('.charger'), tx.chargerId);
    setText(tr.querySelector('.conn'), tx.connectorId ?? '—');
    const tag = tx.idTagStatus && tx.idTagStatus !== 'Accepted' ? `${tx.idTag} (${tx.idTagStatus})` : (tx.idTag ?? '—');
    setText(tr.querySelector('.idtag'), tag);
    setText(tr.querySelector('.start'), fmtTime(tx.startTimestamp));
    setText(tr.querySelector('.meterstart'), fmtNum(tx.meterStart));
    setText(tr.querySelector('.stop'), tx.status === 'ended' ? fmtTime(tx.stopTimestamp) : '—');
    setText(tr.querySelector('.meterstop'), fmtNum(tx.meterStop));
    let energy = null;
    if (tx.meterStart !== null && tx.meterStart !== undefined) {
      const last = tx.meterStop ?? tx.lastMeter?.energyWh;
      if (last !== undefined && last !== null) energy = last - tx.meterStart;
    }
    setText(tr.querySelector('.energy'), fmtNum(energy));
    setText(tr.querySelector('.reason'), tx.reason ?? '');
    const badge = tr.querySelector('.status span');
    setText(badge, tx.status);
    badge.className = `badge ${tx.status === 'active' ? 'charging' : ''}`;
    const actionTd = tr.querySelector('.action');
    const wantButton = tx.status === 'active' && connectedIds.has(tx.chargerId);
    let btn = actionTd.querySelector('button');
    if (wantButton && !btn) {
      btn = document.createElement('button');
      btn.className = 'stop';
      btn.textContent = 'Remote stop';
      btn.dataset.testid = `remote-stop-${key}`;
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        const card = cards.get(tx.chargerId);
        const resultEl = card ? $('.result', card) : document.createElement('div');
        await runCall(tx.chargerId, 'RemoteStopTransaction', {transactionId: tx.transactionId}, resultEl);
        btn.disabled = false;
      });
      actionTd.appendChild(btn);
    } else if (!wantButton && btn) {
      btn.remove();
    }
  }
  for (const [key, tr] of txRows) {
    if (!seen.has(key)) {
      tr.remove();
      txRows.delete(key);
    }
  }
}

function renderViolations(v) {
  const table = $('#violations-table');
  const tbody = $('#violations-body');
  $('#no-violations').classList.toggle('hidden', v.total > 0);
  table.classList.toggle('hidden', v.total === 0);
  const last = v.violations.slice(-50).reverse();
  const sig = last.map((x) => x.seq).join(',');
  if (tbody.dataset.sig === sig) return;
  tbody.dataset.sig = sig;
  tbody.replaceChildren();
  for (const x of last) {
    const tr = document.createElement('tr');
    tr.dataset.testid = `violation-${x.seq}`;
    for (const val of [x.seq, fmtTime(x.ts), x.chargerId, x.kind, x.dir, x.action ?? '', x.code ?? '', x.message]) {
      const td = document.createElement('td');
      td.textContent = val;
      tr.appendChild(td);
    }
    tr.lastChild.className = 'wrap';
    tbody.appendChild(tr);
  }
}

async function poll() {
  try {
    const [state, txs, violations] = await Promise.all([
      api('GET', '/api/state'),
      api('GET', '/api/transactions?meterValues=false'),
      api('GET', '/api/violations'),
    ]);
    connectedIds = new Set(state.chargers.filter((c) => c.connected).map((c) => c.id));
    if (state.server) {
      setText($('#ws-hint'), `${state.server.wsUrl}<id>`);
      setText($('#ws-url'), `${state.server.wsUrl}<id>`);
    }
    setText($('#count-connected'), state.counters.chargersConnected);
    setText($('#count-active-tx'), state.counters.transactionsActive);
    setText($('#count-violations'), state.counters.violations);
    setText($('#count-refused'), state.counters.refusedHandshakes);
    $('#chip-violations').classList.toggle('alert', state.counters.violations > 0);
    renderChargers(state);
    renderTransactions(txs.transactions);
    renderViolations(violations);
    setText($('#last-update'), `updated ${fmtTime(state.now)}`);
    $('#api-error').classList.add('hidden');
  } catch (err) {
    const banner = $('#api-error');
    setText(banner, `Cannot reach the bench API: ${err.message}`);
    banner.classList.remove('hidden');
  } finally {
    setTimeout(poll, kPollMs);
  }
}

poll();
