/*
 * mdlgate coverage page: GET /v1/coverage drawn as a map of the 56 US jurisdictions coloured by
 * mdl_status, with the population shares of the summary and, on click (or Enter), one
 * jurisdiction's entry and fallback.
 *
 * The map is geographic when the service has its shapes (GET /us-map.json, projected at build
 * time from the U.S. Census Bureau boundaries of npm us-atlas: Alaska, Hawaii and the territories
 * as insets, small states as labelled chips); without them (a build made without npm) it is a
 * tile grid, one square per jurisdiction. Server data is rendered with textContent / DOM nodes
 * only; links only for http(s) URLs.
 */
(function () {
  'use strict';

  var page = window.mdlgatePage; /* chrome.js: the top bar, the API key and its dialog */
  var el = page.el;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var PITCH = 50, TILE = 46, TERR_Y = 372;

  /* The fallback tile grid, drawn for this page: [code, column, row] in a 12 x 7 grid of the 50 states
   * and DC; the territories sit in a row of their own below (Pacific left, Caribbean right). */
  var GRID = [
    ['AK', 0, 0], ['ME', 11, 0],
    ['WA', 1, 1], ['ID', 2, 1], ['MT', 3, 1], ['ND', 4, 1], ['MN', 5, 1], ['WI', 6, 1], ['MI', 8, 1],
    ['VT', 10, 1], ['NH', 11, 1],
    ['OR', 1, 2], ['NV', 2, 2], ['WY', 3, 2], ['SD', 4, 2], ['IA', 5, 2], ['IL', 6, 2], ['IN', 7, 2],
    ['OH', 8, 2], ['PA', 9, 2], ['NY', 10, 2], ['MA', 11, 2],
    ['CA', 1, 3], ['UT', 2, 3], ['CO', 3, 3], ['NE', 4, 3], ['MO', 5, 3], ['KY', 6, 3], ['WV', 7, 3],
    ['VA', 8, 3], ['MD', 9, 3], ['NJ', 10, 3], ['CT', 11, 3],
    ['AZ', 2, 4], ['NM', 3, 4], ['KS', 4, 4], ['AR', 5, 4], ['TN', 6, 4], ['NC', 7, 4], ['SC', 8, 4],
    ['DC', 9, 4], ['DE', 10, 4], ['RI', 11, 4],
    ['OK', 4, 5], ['LA', 5, 5], ['MS', 6, 5], ['AL', 7, 5], ['GA', 8, 5],
    ['HI', 0, 6], ['TX', 4, 6], ['FL', 9, 6]
  ];
  var TERRITORIES = [['GU', 0], ['MP', 1], ['AS', 2], ['PR', 10], ['VI', 11]];

  var STATUSES = [
    { id: 'live', label: 'live', text: 'residents can present an mDL today' },
    { id: 'pilot', label: 'pilot', text: 'a limited program' },
    { id: 'legislated-not-live', label: 'legislated, not live', text: 'enabled by law, not issued yet' },
    { id: 'none', label: 'none', text: 'no program or enabling law' }
  ];
  var MEASURES = {
    live: 'live mDL program',
    apple_wallet: 'mDL in Apple Wallet',
    google_wallet: 'mDL in Google Wallet',
    tsa_accepted: 'mDL accepted by TSA'
  };

  var $ = function (id) { return document.getElementById(id); };
  var byCode = {};
  var selected = null;

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setStatus(text, kind) {
    var s = $('cov-status');
    s.textContent = text || '';
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  /* ---------- data ---------- */

  function load() {
    var key = page.getKey();
    if (!key) {
      setStatus('An API key of this service is needed to read the coverage data.', 'error');
      page.askKey();
      return;
    }
    setStatus('Loading coverage…', 'busy');
    Promise.all([fetchCoverage(key), fetchMap()]).then(function (got) {
      if (!got[0]) return;
      setStatus('', '');
      render(got[0], got[1]);
    }).catch(function (e) { setStatus(e.message, 'error'); });
  }

  function fetchCoverage(key) {
    return fetch('v1/coverage', { headers: { Authorization: 'Bearer ' + key } }).then(function (res) {
      if (res.status === 401) {
        page.setKey('');
        setStatus('That API key was not accepted.', 'error');
        page.askKey('That API key was not accepted. Paste a key of this service.');
        return null;
      }
      if (!res.ok) throw new Error('GET /v1/coverage answered HTTP ' + res.status);
      return res.json();
    }).then(function (data) {
      if (data && !Array.isArray(data.jurisdictions)) throw new Error('GET /v1/coverage: unexpected answer');
      return data;
    });
  }

  /* The shapes, or null (not in this build, or not usable): the page then draws its tile grid. */
  function fetchMap() {
    return fetch('us-map.json').then(function (res) { return res.ok ? res.json() : null; })
      .then(function (m) {
        return m && Array.isArray(m.shapes) && Array.isArray(m.view_box) && m.view_box.length === 4 ? m : null;
      })
      .catch(function () { return null; });
  }

  function render(data, geo) {
    byCode = {};
    data.jurisdictions.forEach(function (j) { byCode[j.code] = j; });
    if (geo) drawGeo(geo); else drawTiles();
    drawLegend(data.summary || {});
    drawShares(data.summary || {});
    var asOf = data.summary && data.summary.as_of;
    if (asOf) $('cov-asof').textContent = 'Coverage data as of ' + asOf.oldest + ' to ' + asOf.newest + ', per entry.';
    var wanted = /^#(US-[A-Z]{2})$/.exec(location.hash);
    if (wanted && byCode[wanted[1]]) select(wanted[1]);
  }

  /* ---------- map ---------- */

  function statusClass(j) {
    var known = STATUSES.some(function (s) { return s.id === j.mdl_status; });
    return 's-' + (known ? j.mdl_status : 'unknown');
  }

  /* The focusable group of one jurisdiction: click, Enter or Space opens its entry. */
  function jurGroup(j, kind) {
    var g = svg('g', {
      class: 'jur ' + kind + ' ' + statusClass(j), 'data-code': j.code, 'data-status': j.mdl_status,
      tabindex: '0', role: 'button', 'aria-label': j.name + ': ' + j.mdl_status
    });
    g.appendChild(svg('title', {}, j.name + ' · ' + j.mdl_status));
    g.addEventListener('click', function () { select(j.code); });
    g.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(j.code); }
    });
    return g;
  }

  function clearMap(viewBox, label, note) {
    var map = $('map');
    while (map.firstChild) map.removeChild(map.firstChild);
    map.setAttribute('viewBox', viewBox);
    map.setAttribute('aria-label', label);
    $('map-note').textContent = note;
    return map;
  }

  /* ---------- the tile grid (fallback) ---------- */

  function tile(code, x, y) {
    var j = byCode['US-' + code];
    if (!j) return null;
    var g = jurGroup(j, 'tile');
    g.appendChild(svg('rect', { class: 'fill', x: x, y: y, width: TILE, height: TILE, rx: 7 }));
    g.appendChild(svg('text', { class: 'lbl', x: x + TILE / 2, y: y + TILE / 2 + 5, 'text-anchor': 'middle' }, code));
    return g;
  }

  function drawTiles() {
    var map = clearMap('0 0 600 430', 'US jurisdictions by mDL status (tile map, one square per jurisdiction)',
                       'A tile map: one equal square per jurisdiction, placed roughly where it lies; not to scale.');
    map.classList.remove('geo-map');
    GRID.forEach(function (t) {
      var g = tile(t[0], t[1] * PITCH + 2, t[2] * PITCH + 2);
      if (g) map.appendChild(g);
    });
    map.appendChild(svg('text', { x: 2, y: TERR_Y - 8, class: 'map-note' }, 'Pacific territories'));
    map.appendChild(svg('text', { x: 598, y: TERR_Y - 8, class: 'map-note', 'text-anchor': 'end' }, 'Caribbean'));
    TERRITORIES.forEach(function (t) {
      var g = tile(t[0], t[1] * PITCH + 2, TERR_Y);
      if (g) map.appendChild(g);
    });
  }

  /* ---------- the geographic map (GET /us-map.json) ---------- */

  function num(a, i) { return typeof a[i] === 'number' && isFinite(a[i]) ? a[i] : 0; }

  /* An inset frame for a territory: a box, its chip (the code) and its name. */
  function frame(g, f, code) {
    var x = num(f, 0), y = num(f, 1), w = num(f, 2), h = num(f, 3);
    g.appendChild(svg('rect', { class: 'frame', x: x, y: y, width: w, height: h, rx: 8 }));
    chip(g, [x + 6, y + 6, 30, 18], null, code);
    g.appendChild(svg('text', { class: 'frame-title', x: x + 42, y: y + 19 }, String(f[4] || '')));
  }

  /* A chip (the code in a box of the status colour), with a leader line to its shape if any. */
  function chip(g, c, l, code) {
    var x = num(c, 0), y = num(c, 1), w = num(c, 2), h = num(c, 3);
    if (l) g.appendChild(svg('line', { class: 'leader', x1: num(l, 0), y1: num(l, 1), x2: num(l, 2), y2: num(l, 3) }));
    g.appendChild(svg('rect', { class: 'fill chip', x: x, y: y, width: w, height: h, rx: 5 }));
    g.appendChild(svg('text', { class: 'lbl', x: x + w / 2, y: y + h / 2 + 4.5, 'text-anchor': 'middle' }, code));
  }

  function geoShape(s) {
    var j = byCode[s.code];
    if (!j || typeof s.d !== 'string') return null;
    var g = jurGroup(j, 'geo');
    var code = s.code.slice(3);
    if (Array.isArray(s.frame)) frame(g, s.frame, code);
    g.appendChild(svg('path', { class: s.frame ? 'fill shape island' : 'fill shape', d: s.d }));
    if (Array.isArray(s.chip)) chip(g, s.chip, Array.isArray(s.leader) ? s.leader : null, code);
    else if (!s.frame && Array.isArray(s.label))
      g.appendChild(svg('text', { class: 'lbl', x: num(s.label, 0), y: num(s.label, 1) + 5, 'text-anchor': 'middle' }, code));
    return g;
  }

  function drawGeo(geo) {
    var map = clearMap(geo.view_box.map(Number).join(' '), 'Map of the US jurisdictions by mDL status',
                       'Map: ' + String(geo.source || 'npm us-atlas') + '. Alaska, Hawaii and the territories ' +
                       'are insets, not to scale; small states are labelled east of the coast.');
    map.classList.add('geo-map');
    var shapes = geo.shapes.filter(function (s) { return byCode[s.code]; });
    shapes.sort(function (a, b) { return byCode[a.code].name < byCode[b.code].name ? -1 : 1; });
    shapes.forEach(function (s) {
      var g = geoShape(s);
      if (g) map.appendChild(g);
    });
    Object.keys(byCode).forEach(function (code) {      /* a jurisdiction without a shape */
      if (!map.querySelector('.jur[data-code="' + code + '"]')) setStatus('The map has no shape for ' + code + '.', 'error');
    });
  }

  function drawLegend(summary) {
    var ul = $('legend');
    ul.textContent = '';
    var counts = summary.status_counts || {};
    STATUSES.forEach(function (s) {
      var li = el('li', 'legend-item');
      li.appendChild(el('span', 'swatch s-' + s.id));
      li.appendChild(el('strong', null, s.label));
      li.appendChild(el('span', 'muted', ' ' + (counts[s.id] || 0) + ' · ' + s.text));
      ul.appendChild(li);
    });
  }

  function pct(x) { return (Math.round(x * 1000) / 10).toFixed(1) + '%'; }

  function drawShares(summary) {
    var box = $('shares');
    box.textContent = '';
    (summary.measures || []).forEach(function (m) {
      var card = el('div', 'share');
      card.dataset.measure = m.name;
      card.appendChild(el('span', 'share-num', pct(m.share)));
      card.appendChild(el('span', 'share-label', 'of residents: ' + (MEASURES[m.name] || m.definition)));
      card.appendChild(el('span', 'share-sub', m.jurisdictions + ' jurisdictions · ' +
                          pct(m.share_states_and_dc) + ' of the 50 states + DC'));
      box.appendChild(card);
    });
    box.hidden = box.childNodes.length === 0;
  }

  /* ---------- one entry ---------- */

  function select(code) {
    var j = byCode[code];
    if (!j) return;
    selected = code;
    var map = $('map'), old = map.querySelector('.sel-outline');
    if (old) old.remove();
    Array.prototype.forEach.call(map.querySelectorAll('.jur'), function (t) {
      t.classList.toggle('selected', t.getAttribute('data-code') === selected);
      var shape = t.getAttribute('data-code') === selected && t.querySelector('.shape');
      /* drawn last, so that no neighbour hides the outline; the shapes keep their tab order */
      if (shape) map.appendChild(svg('path', { class: 'sel-outline', d: shape.getAttribute('d') }));
    });
    renderDetail(j);
  }

  function yn(value, since, note) {
    var v = value === null || value === undefined ? 'unknown' : String(value);
    var s = el('span');
    s.appendChild(el('span', 'pill ' + (v === 'yes' ? 'yes' : 'no'), v));
    if (since) s.appendChild(el('span', 'muted', ' since ' + since));
    if (note) s.appendChild(el('span', 'note', note));
    return s;
  }

  function row(dl, label, value) {
    var r = el('div', 'row');
    r.appendChild(el('dt', null, label));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value === null || value === undefined ? 'unknown' : String(value);
    r.appendChild(dd);
    dl.appendChild(r);
  }

  function sourceItem(s) {
    var li = el('li');
    var safe = typeof s.url === 'string' && /^https?:\/\//i.test(s.url);
    if (safe) {
      var a = el('a', null, s.title || s.url);
      a.href = s.url;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      li.appendChild(a);
    } else {
      li.appendChild(el('span', null, s.title || s.url || s.ref || 'source'));
    }
    if (s.note) li.appendChild(el('span', 'note', s.note));
    return li;
  }

  function fallbackBox(f) {
    var box = el('div', 'fallback');
    box.appendChild(el('h4', 'sub', 'What to do for its residents'));
    if (!f) { box.appendChild(el('p', 'muted', 'No fallback given.')); return box; }
    var p = el('p', 'fallback-summary');
    p.appendChild(el('code', 'fallback-action', f.action));
    p.appendChild(document.createTextNode(' ' + f.summary));
    box.appendChild(p);
    box.appendChild(el('p', 'fallback-why', f.rationale));
    return box;
  }

  function renderDetail(j) {
    var d = $('detail');
    d.textContent = '';
    d.dataset.code = j.code;
    var head = el('div', 'detail-head');
    head.appendChild(el('h2', null, j.name));
    head.appendChild(el('span', 'muted', j.code + ' · ' + j.kind));
    d.appendChild(head);
    var st = el('p', 'detail-status');
    st.appendChild(el('span', 'pill status-pill ' + statusClass(j), j.mdl_status));
    if (j.launch_year) st.appendChild(el('span', 'muted', ' since ' + j.launch_year));
    d.appendChild(st);
    d.appendChild(fallbackBox(j.fallback));
    var dl = el('dl', 'data one');
    var vendor = j.app_vendor && j.app_vendor !== 'unknown' && j.app_vendor !== 'none' ? ' (' + j.app_vendor + ')' : '';
    row(dl, 'State app', j.state_app ? j.state_app + (j.state_app === 'none' ? '' : vendor) : null);
    row(dl, 'Apple Wallet', yn(j.apple_wallet, j.apple_wallet_since, j.apple_wallet_note));
    row(dl, 'Google Wallet', yn(j.google_wallet, j.google_wallet_since, j.google_wallet_note));
    row(dl, 'Samsung Wallet', yn(j.samsung_wallet, j.samsung_wallet_since, j.samsung_wallet_note));
    row(dl, 'TSA accepted', yn(j.tsa_accepted, null, j.tsa_accepted_note));
    row(dl, 'ISO 18013-5', yn(j.iso_18013_5, null, j.iso_18013_5_note));
    row(dl, 'Online (18013-7)', yn(j.online_18013_7, null, j.online_18013_7_note));
    row(dl, 'AAMVA VICAL', yn(j.aamva_vical, null, j.aamva_vical_note));
    row(dl, 'Public IACA roots', (j.iaca_roots || []).length);
    row(dl, 'Population', typeof j.population === 'number' ? j.population.toLocaleString('en-US') : null);
    row(dl, 'As of', j.as_of);
    d.appendChild(dl);
    if (j.notes) { d.appendChild(el('h4', 'sub', 'Notes')); d.appendChild(el('p', 'detail-notes', j.notes)); }
    d.appendChild(el('h4', 'sub', 'Sources'));
    var ul = el('ul', 'plain sources');
    (j.sources || []).forEach(function (s) { ul.appendChild(sourceItem(s)); });
    d.appendChild(ul);
  }

  /* ---------- wiring ---------- */

  function wire() {
    page.onKey(load);
    load();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
})();
