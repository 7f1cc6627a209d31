// Browser tests of mdlgate's web pages (web/index.html, app.js, mdlgate.js; coverage.html, coverage.js) in headless Debian
// chromium through playwright-core. Started by tests/cli/web_browser.sh, which runs the real
// `mdlgate serve` and passes, in the environment:
//   MDLG_URL     the server's base URL (http://127.0.0.1:PORT)
//   MDLG_KEY     an API key it accepts
//   MDLG_BIN     the mdlgate binary (to issue presentations and, for part 3, answer requests)
//   MDLG_PKI     the test PKI whose IACA the server trusts
//   MDLG_TMP     a scratch directory
//   MDLG_SHOTS   where screenshots go (build/web-screens)
//   MDLG_WALLET  the test-wallet command line prefix for part 3, or empty with MDLG_SKIP_DC
// Prints "ok"/"FAIL"/"skip" lines and a closing "N passed, N failed" line; exits 1 on failure.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const BASE = env.MDLG_URL, KEY = env.MDLG_KEY, M = env.MDLG_BIN, PKI = env.MDLG_PKI;
const TMP = env.MDLG_TMP, SHOTS = env.MDLG_SHOTS;
const ORIGIN = new URL(BASE).origin;
const TIMEOUT = 15000;

let passed = 0, failed = 0;
const skipped = [];
function ok(name) { passed++; console.log(`ok   ${name}`); }
function bad(name, why) { failed++; console.log(`FAIL ${name}: ${why}`); }
function expect(name, cond, why) { cond ? ok(name) : bad(name, why); }

// ---- fixtures made with `mdlgate issue` ----
const TH = '83f6f682714f70656e494434565048616e646f7665725820' + '0'.repeat(64);
const OTHER_TH = '83f6f682714f70656e494434565048616e646f7665725820' + '1'.repeat(64);
function issue(name, args) {
  const out = path.join(TMP, name + '.cbor');
  execFileSync(M, ['issue', '-q', '--pki', PKI, '--out', out, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}
const b64url = (buf) => Buffer.from(buf).toString('base64url');

// ---- browser ----
const userDataDir = fs.mkdtempSync(path.join(TMP, 'chromium-profile-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
context.setDefaultTimeout(TIMEOUT);

// A page that records console errors, page errors and failed or 4xx/5xx subresource loads.
async function openPage(opts = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('requestfailed', (r) => problems.push('requestfailed: ' + r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/v1/')) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  if (opts.init) await page.addInitScript(opts.init, opts.initArg);
  if (opts.route) await page.route(opts.route.url, opts.route.handler);
  await page.goto(BASE + (opts.hash || '/'));
  return { page, problems };
}

async function shot(page, name) {
  const file = path.join(SHOTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`     screenshot ${file}`);
}

// The verdict view: valid flag, the state of each check and its reasons.
async function verdictView(page) {
  await page.waitForSelector('#result[data-valid]', { state: 'visible' });
  return page.evaluate(() => {
    const r = document.getElementById('result');
    const checks = {};
    r.querySelectorAll('.check').forEach((c) => {
      checks[c.dataset.check] = { state: c.className.replace('check ', ''), text: c.textContent };
    });
    const img = r.querySelector('.portrait img');
    return {
      valid: r.dataset.valid === 'true', banner: r.querySelector('.banner h2').textContent,
      checks, name: r.querySelector('.who h3')?.textContent, text: r.innerText,
      portrait: img ? { complete: img.complete, width: img.naturalWidth } : null,
      portraitNote: r.querySelector('.portrait.none')?.textContent || null,
      privileges: r.querySelectorAll('table.privileges tbody tr').length,
    };
  });
}

async function withKey(page) {
  await page.evaluate((k) => sessionStorage.setItem('mdlgate.apiKey', k), KEY);
}

async function clearResult(page) {
  await page.evaluate(() => { const r = document.getElementById('result'); r.hidden = true; delete r.dataset.valid; });
}

// A real JPEG portrait, drawn by the browser itself (canvas), for the claims of one fixture.
async function makePortrait(page) {
  const dataUrl = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 120; c.height = 150;
    const g = c.getContext('2d');
    g.fillStyle = '#dfe6f3'; g.fillRect(0, 0, 120, 150);
    g.fillStyle = '#7a8db8';
    g.beginPath(); g.arc(60, 58, 28, 0, Math.PI * 2); g.fill();
    g.beginPath(); g.ellipse(60, 150, 50, 50, 0, Math.PI, 0); g.fill();
    return c.toDataURL('image/jpeg', 0.85);
  });
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}

function claims(portraitB64) {
  return {
    doctype: 'org.iso.18013.5.1.mDL',
    namespaces: {
      'org.iso.18013.5.1': {
        family_name: 'Rivera', given_name: 'Maria Elena',
        birth_date: { 'full-date': '1988-04-12' }, issue_date: { 'full-date': '2024-02-01' },
        expiry_date: { 'full-date': '2032-04-12' }, issuing_country: 'US',
        issuing_authority: 'California DMV', issuing_jurisdiction: 'US-CA', document_number: 'Y7654321',
        portrait: { bstr: Buffer.from(portraitB64, 'base64').toString('base64url') },
        driving_privileges: [
          { vehicle_category_code: 'C', issue_date: { 'full-date': '2024-02-01' }, expiry_date: { 'full-date': '2032-04-12' } },
          { vehicle_category_code: 'M', issue_date: { 'full-date': '2025-06-30' }, expiry_date: { 'full-date': '2032-04-12' },
            codes: [{ code: '01', sign: '=', value: 'corrective lenses' }] },
        ],
        age_over_18: true, age_over_21: true, age_over_65: false,
      },
    },
  };
}

async function part1() {
  const { page, problems } = await openPage();
  await page.waitForSelector('#dc-button');
  const title = await page.title();
  expect('page loads: title and the "Verify with your digital ID" button',
    /mdlgate/.test(title) && (await page.textContent('#dc-button')).includes('Verify with your digital ID'), `title ${title}`);
  for (const f of ['/app.js', '/mdlgate.js', '/style.css']) {
    const r = await page.request.get(BASE + f);
    expect(`GET ${f} 200`, r.status() === 200, `status ${r.status()}`);
  }
  const styled = await page.evaluate(() => getComputedStyle(document.getElementById('dc-button')).backgroundColor);
  expect('style.css applied (button has the brand colour)', styled === 'rgb(47, 74, 208)', styled);
  expect('page loads without console errors', problems.length === 0, problems.join('; '));
  await shot(page, '01-landing');
  await page.close();

  // The key in the fragment (as `make run` prints it) lands in sessionStorage and leaves the URL.
  const k = await openPage({ hash: '/#key=' + encodeURIComponent(KEY) });
  const stored = await k.page.evaluate(() => [sessionStorage.getItem('mdlgate.apiKey'), location.hash,
                                              document.getElementById('key-label').textContent]);
  expect('#key= fragment: key kept in sessionStorage, fragment removed',
    stored[0] === KEY && stored[1] === '' && stored[2] === 'API key set', JSON.stringify(stored));
  await k.page.close();

  // Without the DC API, the button explains instead of failing.
  const n = await openPage({ init: () => { delete window.DigitalCredential; } });
  await withKey(n.page);
  await n.page.click('#dc-button');
  await n.page.waitForSelector('#dc-status.error');
  const msg = await n.page.textContent('#dc-status');
  expect('browser without the DC API: clear message', /cannot ask a wallet/.test(msg), msg);
  expect('no console errors without the DC API', n.problems.length === 0, n.problems.join('; '));
  await shot(n.page, '02-no-dc-api');
  await n.page.close();
}

async function part2() {
  const { page, problems } = await openPage();
  await withKey(page);
  // fixtures: a valid response with a real JPEG portrait (raw CBOR file, JSON profile transcript)
  const profile = { profile: 'openid4vp-1.0-dcapi', origin: 'https://shop.example', nonce: 'n-' + Date.now() };
  fs.writeFileSync(path.join(TMP, 'profile.json'), JSON.stringify(profile));
  fs.writeFileSync(path.join(TMP, 'claims.json'), JSON.stringify(claims(await makePortrait(page))));
  const good = issue('good', ['--transcript', path.join(TMP, 'profile.json'), '--claims', path.join(TMP, 'claims.json')]);
  const tampered = issue('tampered', ['--transcript-hex', TH, '--tamper', 'digest']);
  const plain = issue('plain', ['--transcript-hex', TH]);
  fs.writeFileSync(path.join(TMP, 'tampered.b64'), b64url(fs.readFileSync(tampered)) + '\n');

  // (a) valid: raw CBOR file + JSON profile transcript
  await page.setInputFiles('#file-input', good);
  await page.fill('#tx-text', JSON.stringify(profile, null, 1));
  await page.waitForFunction(() => /raw CBOR/.test(document.getElementById('dr-info').textContent));
  await page.click('#file-submit');
  let v = await verdictView(page);
  const states = Object.values(v.checks).map((c) => c.state);
  expect('file (raw CBOR, JSON profile): Verified, 10 green checks',
    v.valid && v.banner === 'Verified' && states.length === 10 && states.every((s) => s === 'ok'), JSON.stringify(v.checks));
  expect('file: name, formatted dates, age pills, driving privileges table',
    v.name === 'Maria Elena Rivera' && v.text.includes('April 12, 1988') && v.text.includes('21+') &&
    v.text.includes('under 65') && v.privileges === 2 && v.text.includes('01 = corrective lenses'),
    `${v.name} / privileges ${v.privileges}`);
  expect('file: the JPEG portrait is shown', v.portrait && v.portrait.complete && v.portrait.width === 120,
    JSON.stringify(v.portrait));
  await shot(page, '03-file-valid');

  // (b) tampered: base64url text file + hex transcript
  await clearResult(page);
  await page.setInputFiles('#file-input', path.join(TMP, 'tampered.b64'));
  await page.fill('#tx-text', TH);
  await page.waitForFunction(() => /base64url/.test(document.getElementById('dr-info').textContent));
  await page.click('#file-submit');
  v = await verdictView(page);
  const dg = v.checks.digests || {};
  expect('tampered file (base64url text, hex transcript): Not verified, digests red with MSO_DIGEST_MISMATCH on family_name',
    !v.valid && v.banner === 'Not verified' && dg.state === 'fail' && dg.text.includes('MSO_DIGEST_MISMATCH') &&
    dg.text.includes('family_name'), JSON.stringify(v.checks));
  expect('tampered file: the other checks stay green',
    Object.entries(v.checks).every(([k, c]) => k === 'digests' || c.state === 'ok'), JSON.stringify(v.checks));
  await shot(page, '04-file-tampered');

  // (c) hex pasted, wrong transcript: device_auth red; the fake JPEG portrait is refused politely
  await clearResult(page);
  await page.fill('#dr-text', fs.readFileSync(plain).toString('hex'));
  await page.fill('#tx-text', OTHER_TH);
  await page.waitForFunction(() => /hex/.test(document.getElementById('dr-info').textContent));
  await page.click('#file-submit');
  v = await verdictView(page);
  const da = v.checks.device_auth || {};
  expect('pasted hex, another transcript: device_auth red with DEVICE_SIGNATURE_INVALID',
    !v.valid && da.state === 'fail' && da.text.includes('DEVICE_SIGNATURE_INVALID'), JSON.stringify(v.checks));
  expect('portrait bytes that are not a decodable image: placeholder, no broken image',
    v.portrait === null && /could not be decoded|not a JPEG/.test(v.portraitNote || ''), JSON.stringify([v.portrait, v.portraitNote]));
  await shot(page, '05-file-wrong-transcript');

  // (d) input the panel refuses before calling the server
  await page.fill('#dr-text', 'not a device response');
  await page.click('#file-submit');
  const st = await page.textContent('#file-status');
  expect('garbage input: refused with a reason', /DeviceResponse: not CBOR, hex or base64url/.test(st), st);
  expect('file panel: no console errors', problems.length === 0, problems.join('; '));
  await page.close();

  // (e) a wrong API key: the key dialog comes back with a reason
  const w = await openPage();
  await w.page.evaluate(() => sessionStorage.setItem('mdlgate.apiKey', 'wrong-key'));
  await w.page.setInputFiles('#file-input', plain);
  await w.page.fill('#tx-text', TH);
  await w.page.click('#file-submit');
  await w.page.waitForSelector('#key-dialog[open] .key-msg');
  expect('wrong API key: the key dialog asks again', /not accepted/.test(await w.page.textContent('.key-msg')), '');
  await shot(w.page, '06-key-dialog');
  await w.page.fill('#key-input', KEY);
  await w.page.click('#key-save');
  v = await verdictView(w.page);
  expect('after entering the right key the same verification goes through', v.valid, v.banner);
  await w.page.close();
}

// ---- part 3: the DC API flow end to end, answered by the test wallet ----
function walletAnswer(request, tamper) {
  const reqFile = path.join(TMP, `dc-request-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(reqFile, JSON.stringify(request));
  const args = [...env.MDLG_WALLET.split(' ').slice(1), '--pki', PKI, '--request', reqFile, '--origin', ORIGIN];
  if (tamper) args.push('--tamper', tamper);
  const out = execFileSync(env.MDLG_WALLET.split(' ')[0], args, { encoding: 'utf8' });
  return JSON.parse(out);
}

async function dcFlow(tamper, shotName) {
  const { page, problems } = await openPage({
    init: () => {
      // Test only: the wallet is a function exposed by the test (node runs the test wallet).
      navigator.credentials.get = async (opts) => {
        window.__seenRequest = opts.digital;
        const ans = await window.__mdlgTestWallet(JSON.stringify(opts.digital));
        return { protocol: ans.protocol, data: ans.data };
      };
    },
  });
  let seen = null;
  await page.exposeFunction('__mdlgTestWallet', (digitalJson) => {
    seen = JSON.parse(digitalJson);
    return walletAnswer(seen, tamper);
  });
  await withKey(page);
  await page.click('#dc-button');
  const v = await verdictView(page);
  const protocols = (seen?.requests || []).map((r) => r.protocol).sort().join(',');
  expect(`DC API flow${tamper ? ' (tampered)' : ''}: the page asked for both protocols`,
    protocols === 'openid4vp-v1-unsigned,org-iso-mdoc', protocols);
  if (tamper) expect('DC API flow, tampered presentation: Not verified', !v.valid && v.banner === 'Not verified', v.banner);
  else expect('DC API flow: Verified, all checks green', v.valid && Object.values(v.checks).every((c) => c.state === 'ok'),
    JSON.stringify(v.checks));
  expect(`DC API flow${tamper ? ' (tampered)' : ''}: no console errors`, problems.length === 0, problems.join('; '));
  await shot(page, shotName);
  await page.close();
}

// The page's real request reaches the DC API; a cancelled prompt and an unreadable answer.
async function fakeWallet(answer) {
  const { page, problems } = await openPage({
    init: (ans) => {
      navigator.credentials.get = async (opts) => {
        window.__seenDigital = JSON.parse(JSON.stringify(opts.digital));
        if (ans === 'cancel') throw new DOMException('The user cancelled', 'NotAllowedError');
        return { protocol: 'org-iso-mdoc', data: { response: ans } };
      };
    },
    initArg: answer,
  });
  await withKey(page);
  await page.click('#dc-button');
  await page.waitForSelector('#dc-status.error');
  const r = { page, problems, status: await page.textContent('#dc-status'),
              digital: await page.evaluate(() => window.__seenDigital) };
  return r;
}

async function part3a() {
  let f = await fakeWallet('cancel');
  const reqs = (f.digital && f.digital.requests) || [];
  const oid = reqs.find((r) => r.protocol === 'openid4vp-v1-unsigned');
  const iso = reqs.find((r) => r.protocol === 'org-iso-mdoc');
  const claims = (oid?.data?.dcql_query?.credentials?.[0]?.claims || []).map((c) => c.path[1]);
  expect('DC API: the page passes the server\'s request, both protocols, the elements it asks for',
    reqs.length === 2 && oid && iso && typeof iso.data.deviceRequest === 'string' &&
    typeof iso.data.encryptionInfo === 'string' && typeof oid.data.nonce === 'string' &&
    claims.includes('driving_privileges') && claims.includes('portrait'), JSON.stringify(f.digital).slice(0, 300));
  expect('DC API: a cancelled prompt says no ID was shared', /No ID was shared/.test(f.status), f.status);
  expect('DC API cancelled: no console errors', f.problems.length === 0, f.problems.join('; '));
  await f.page.close();
  f = await fakeWallet('AAAA');
  expect('DC API: an answer that cannot be decrypted shows the server\'s code',
    /could not be read for this request \(DECRYPT_/.test(f.status), f.status);
  await shot(f.page, '07-dc-undecryptable');
  await f.page.close();
}

async function part3() {
  if (env.MDLG_SKIP_REQUESTS) { skipped.push('DC API flow: ' + env.MDLG_SKIP_REQUESTS); return; }
  await part3a();
  if (env.MDLG_SKIP_DC) { skipped.push('DC API end to end with the test wallet: ' + env.MDLG_SKIP_DC); return; }
  await dcFlow(null, '08-dc-valid');
  await dcFlow('digest', '09-dc-tampered');
}

// ---- part 4: the coverage page (web/coverage.html), against the server's own GET /v1/coverage ----
async function part4() {
  const api = await context.request.get(BASE + '/v1/coverage', { headers: { Authorization: 'Bearer ' + KEY } });
  expect('GET /v1/coverage 200 for the coverage page', api.status() === 200, `status ${api.status()}`);
  const data = await api.json();
  const want = Object.fromEntries(data.jurisdictions.map((j) => [j.code, j]));

  // linked from the main page header
  const m = await openPage();
  const href = await m.page.getAttribute('.topbar nav a[href="coverage.html"]', 'href').catch(() => null);
  expect('main page header links to coverage.html', href === 'coverage.html', String(href));
  const navOf = (pg) => pg.$$eval('#topbar nav a', (as) => as.map((a) => a.getAttribute('href') + (a.getAttribute('aria-current') ? '*' : '')));
  const mainNav = await navOf(m.page);
  await m.page.close();

  // the map's shapes, compiled into this build (404 when npm was unavailable at build time)
  const mapRes = await context.request.get(BASE + '/us-map.json');
  const geo = mapRes.status() === 200 ? await mapRes.json() : null;
  if (!geo) skipped.push(`geographic map: GET /us-map.json answered ${mapRes.status()} (this build has no map; only the tile grid is tested)`);
  else expect('GET /us-map.json: 56 shapes, the source and licence named',
    geo.shapes.length === 56 && /us-atlas/.test(geo.source) && geo.license === 'ISC' && /Bostock/.test(geo.notice), geo.source);

  const { page, problems } = await openPage({ hash: '/coverage.html#key=' + encodeURIComponent(KEY) });
  await page.waitForFunction(() => document.querySelectorAll('#map .jur').length > 0);
  await checkMap(page, data, want, geo ? 'geo' : 'tile');
  const covNav = await navOf(page);
  expect('both pages: the same header from chrome.js, each marking itself current',
    mainNav.join() === '/*,coverage.html,openapi.yaml' && covNav.join() === '/,coverage.html*,openapi.yaml' &&
    (await page.$$('#key-dialog #key-input')).length === 1, `${mainNav} | ${covNav}`);
  const legend = await page.$$eval('#legend .legend-item', (ls) => ls.map((l) => l.textContent));
  expect('coverage page: legend with live, pilot, legislated, none and their counts',
    legend.length === 4 && legend[0].startsWith('live ' + data.summary.status_counts.live) &&
    legend[2].startsWith('legislated, not live ' + data.summary.status_counts['legislated-not-live']), JSON.stringify(legend));
  const shares = await page.$$eval('#shares .share', (ss) => ss.map((s) => [s.dataset.measure, s.querySelector('.share-num').textContent]));
  const pct = (x) => (Math.round(x * 1000) / 10).toFixed(1) + '%';
  expect('coverage page: the population shares of the summary',
    shares.length === data.summary.measures.length &&
    data.summary.measures.every((mm, i) => shares[i][0] === mm.name && shares[i][1] === pct(mm.share)), JSON.stringify(shares));

  // click California (on its shape, where its label is): its entry, status, fallback, sources as links, as_of
  await clickLabel(page, 'US-CA');
  await page.waitForSelector('#detail[data-code="US-CA"]');
  const ca = want['US-CA'];
  const d = await page.evaluate(() => {
    const e = document.getElementById('detail');
    return { title: e.querySelector('h2').textContent, status: e.querySelector('.status-pill').textContent,
             fallback: e.querySelector('.fallback').textContent, text: e.innerText,
             links: Array.from(e.querySelectorAll('ul.sources a'), (a) => a.href),
             selected: document.querySelector('#map .jur.selected')?.dataset.code };
  });
  expect('click US-CA: California, status "live"', d.title === 'California' && d.status === 'live' && ca.mdl_status === 'live',
    `${d.title} / ${d.status}`);
  expect('click US-CA: its fallback (action, summary, rationale)',
    d.fallback.includes(ca.fallback.action) && d.fallback.includes(ca.fallback.summary) && d.fallback.includes(ca.fallback.rationale), d.fallback);
  const srcUrls = ca.sources.filter((s) => s.url).map((s) => s.url);
  expect('click US-CA: sources as links, as_of shown, tile marked selected',
    srcUrls.length > 0 && d.links.length === srcUrls.length && srcUrls.every((u) => d.links.includes(u)) &&
    d.text.includes(ca.as_of) && d.selected === 'US-CA', `${d.links.length} links of ${srcUrls.length}; ${d.selected}`);
  expect('coverage page: no console errors', problems.length === 0, problems.join('; '));
  await shot(page, '10-coverage-ca');

  // a territory by keyboard: Guam, none, and the alternative-verification fallback
  await page.focus('#map .jur[data-code="US-GU"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail[data-code="US-GU"]');
  const gu = await page.textContent('#detail .fallback');
  expect('keyboard on US-GU: its status and fallback', gu.includes(want['US-GU'].fallback.summary) &&
    (await page.textContent('#detail .status-pill')) === want['US-GU'].mdl_status, gu);
  await shot(page, '11-coverage-gu');
  if (geo) {
    await page.focus('#map .jur[data-code="US-CA"]');
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.activeElement?.dataset?.code);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#detail[data-code="${next}"]`);
    expect('geo map: Tab goes from California to Colorado (by name), Enter opens it', next === 'US-CO', String(next));
  }
  await page.close();

  // no key: the page asks for one instead of failing
  const n = await openPage({ hash: '/coverage.html' });
  await n.page.waitForSelector('#key-dialog[open]');
  expect('coverage page without a key: asks for one, draws nothing',
    (await n.page.$$('#map .jur')).length === 0, '');
  await n.page.fill('#key-input', KEY);
  await n.page.click('#key-save');
  await n.page.waitForFunction(() => document.querySelectorAll('#map .jur').length === 56);
  ok('coverage page: after entering the key the map is drawn');
  await n.page.close();

  // without the shapes (a build made without npm): the tile grid, still complete and clickable
  const t = await openPage({
    hash: '/coverage.html#key=' + encodeURIComponent(KEY),
    route: { url: '**/us-map.json', handler: (r) => r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"NOT_FOUND"}' }) }
  });
  await t.page.waitForFunction(() => document.querySelectorAll('#map .jur').length > 0);
  await checkMap(t.page, data, want, 'tile');
  await clickLabel(t.page, 'US-PR');
  await t.page.waitForSelector('#detail[data-code="US-PR"]');
  ok('tile grid: a click on PR opens its entry');
  const other = t.problems.filter((p) => !/us-map\.json|404 \(Not Found\)/.test(p));
  expect('tile grid: no console errors but the missing map', other.length === 0, other.join('; '));
  await shot(t.page, '12-coverage-tiles');
  await t.page.close();
}

// The map drawn on page: 56 jurisdictions of the given kind ('geo' or 'tile'), each with its API
// status, its label and one colour per status, and each one clickable where its label is.
async function checkMap(page, data, want, kind) {
  await page.setViewportSize({ width: 1280, height: 1700 });   // the whole map in view, to hit-test it
  const jurs = await page.evaluate(() => Array.from(document.querySelectorAll('#map .jur'), (g) => {
    const f = g.querySelector('.shape') || g.querySelector('.fill');
    const r = f.getBoundingClientRect(), l = g.querySelector('.lbl');
    const lr = l.getBoundingClientRect(), chip = g.querySelector('.chip');
    const at = chip ? chip.getBoundingClientRect() : lr;
    const hit = document.elementFromPoint(at.x + at.width / 2, at.y + at.height / 2)?.closest('.jur')?.dataset.code;
    return { code: g.dataset.code, status: g.dataset.status, kind: g.classList.contains('geo') ? 'geo' : 'tile',
             fill: getComputedStyle(f).fill, label: l.textContent, cx: r.x + r.width / 2, cy: r.y + r.height / 2,
             w: r.width, h: r.height, hit, focusable: g.tabIndex === 0 };
  }));
  const codes = new Set(jurs.map((t) => t.code));
  expect(`${kind} map: 56 jurisdictions drawn, each once, the same codes as the API`,
    jurs.length === 56 && codes.size === 56 && data.jurisdictions.every((j) => codes.has(j.code)) &&
    jurs.every((t) => t.kind === kind), `${jurs.length} drawn, ${codes.size} codes, kinds ${[...new Set(jurs.map((t) => t.kind))]}`);
  for (const c of ['US-PR', 'US-GU', 'US-VI', 'US-AS', 'US-MP', 'US-DC'])
    if (!codes.has(c)) bad(`${kind} map: ${c} drawn`, 'missing');
  const wrong = jurs.filter((t) => !want[t.code] || want[t.code].mdl_status !== t.status || 'US-' + t.label !== t.code);
  expect(`${kind} map: every jurisdiction carries its API status and its label`, wrong.length === 0, JSON.stringify(wrong.slice(0, 3)));
  const fillOf = {};
  for (const t of jurs) (fillOf[t.status] ||= new Set()).add(t.fill);
  const fills = Object.values(fillOf).map((x) => [...x]);
  expect(`${kind} map: one colour per status, different statuses in different colours`,
    fills.every((f) => f.length === 1) && new Set(fills.map((f) => f[0])).size === fills.length, JSON.stringify(fills));
  const missed = jurs.filter((t) => t.hit !== t.code || !t.focusable || !(t.w > 0));
  expect(`${kind} map: every jurisdiction visible, focusable and clickable at its label or chip`,
    missed.length === 0, JSON.stringify(missed.slice(0, 3).map((t) => [t.code, t.hit])));
  if (kind !== 'geo') return;
  const p = Object.fromEntries(jurs.map((t) => [t.code, t]));
  expect('geo map: the shapes lie where they are (CA west of TX west of FL, WA north of TX, AK west and south of WA)',
    p['US-CA'].cx < p['US-TX'].cx && p['US-TX'].cx < p['US-FL'].cx && p['US-WA'].cy < p['US-TX'].cy &&
    p['US-AK'].cx < p['US-WA'].cx && p['US-AK'].cy > p['US-WA'].cy && p['US-TX'].w > p['US-CT'].w * 4,
    JSON.stringify(['US-CA', 'US-TX', 'US-FL', 'US-WA', 'US-AK'].map((c) => [c, Math.round(p[c].cx), Math.round(p[c].cy)])));
}

// A click where a jurisdiction's label (or chip) is: on its shape, the label lets clicks through.
async function clickLabel(page, code) {
  const g = page.locator(`#map .jur[data-code="${code}"]`);
  const target = (await g.locator('.chip').count()) ? g.locator('.chip') : g.locator('.lbl');
  const b = await target.boundingBox();
  await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
}

for (const [name, fn] of [['part 1', part1], ['part 2', part2], ['part 3', part3], ['part 4', part4]]) {
  try { await fn(); } catch (e) { bad(name, e.stack || e.message); }
}
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
for (const s of skipped) console.log(`skip ${s}`);
console.log(`web browser: ${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
process.exit(failed ? 1 : 0);
