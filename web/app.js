/*
 * mdlgate verifier page: the "Verify with your digital ID" flow (through mdlgate.js), the
 * "verify a file" panel, and the verdict view. Everything the server or a file supplies is
 * rendered with textContent / DOM nodes, never parsed as HTML.
 */
(function () {
  'use strict';

  var page = window.mdlgatePage; /* chrome.js: the top bar, the API key and its dialog */
  var el = page.el, getKey = page.getKey, setKey = page.setKey, askKey = page.askKey;
  var MDL_NS = 'org.iso.18013.5.1';
  var ASK = {
    doctype: 'org.iso.18013.5.1.mDL',
    elements: { 'org.iso.18013.5.1': ['family_name', 'given_name', 'birth_date', 'portrait',
                                      'age_over_21', 'driving_privileges'] }
    /* no "protocols": the server's default, openid4vp-v1-unsigned + org-iso-mdoc, or with a
       reader key configured openid4vp-v1-signed + org-iso-mdoc with readerAuth */
  };

  var $ = function (id) { return document.getElementById(id); };

  /* ---------- small DOM helpers ---------- */

  function append(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }

  function setStatus(id, text, kind) {
    var s = $(id);
    s.textContent = text || '';
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  /* ---------- API key (chrome.js keeps it in sessionStorage; never in a URL we keep) ---------- */

  function ensureKey() {
    var k = getKey();
    return k ? Promise.resolve(k) : askKey();
  }

  /* fetch against this mdlgate with the key; a 401 forgets the key and asks again once */
  function api(path, init, retried) {
    return ensureKey().then(function (key) {
      if (!key) throw Object.assign(new Error('An API key is needed to use this service.'), { code: 'AUTH_REQUIRED' });
      var sent = Object.assign({}, init);
      sent.headers = Object.assign({}, init && init.headers, { Authorization: 'Bearer ' + key });
      return fetch(path, sent).then(function (res) {
        if (res.status === 401 && !retried) {
          setKey('');
          return askKey('That API key was not accepted. Paste a key of this service.')
            .then(function () { return api(path, init, true); });
        }
        return res.text().then(function (t) {
          var j = null;
          try { j = JSON.parse(t); } catch (e) { /* not JSON */ }
          if (!res.ok) {
            var err = new Error((j && j.detail) || ('HTTP ' + res.status));
            err.code = (j && j.error) || 'HTTP_' + res.status;
            throw err;
          }
          return j;
        });
      });
    });
  }

  /* ---------- Verify with your digital ID ---------- */

  var STEP_TEXT = {
    request: 'Creating a one-time request…',
    wallet: 'Waiting for your wallet…',
    verifying: 'Checking the answer…'
  };

  var FLOW_ERRORS = {
    DC_API_UNSUPPORTED: 'This browser cannot ask a wallet for a digital ID. Use a current Chrome or Safari with a wallet that holds your mDL, or verify a file below.',
    INSECURE_CONTEXT: 'Digital IDs can only be requested from a secure page (HTTPS, or localhost).',
    CANCELLED: 'No ID was shared: the request was cancelled or no wallet answered.',
    STORE_CONFLICT: 'This request was already answered. Start again for a new one.',
    STORE_EXPIRED: 'The request expired before the wallet answered. Start again.',
    AUTH_REQUIRED: 'An API key of this service is needed to create requests.'
  };

  function startFlow() {
    var button = $('dc-button');
    if (!window.mdlgate.supported()) {
      showFlowError({ code: window.isSecureContext ? 'DC_API_UNSUPPORTED' : 'INSECURE_CONTEXT' });
      return;
    }
    button.disabled = true;
    setStatus('dc-status', '', '');
    window.mdlgate.verify({
      origin: location.origin,
      base: location.href,
      createRequest: function (origin) {
        var body = Object.assign({ origin: origin }, ASK);
        return api('v1/requests', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
        });
      },
      onStep: function (s) { setStatus('dc-status', STEP_TEXT[s] || '', 'busy'); }
    }).then(function (verdict) {
      setStatus('dc-status', '', '');
      renderVerdict(verdict, 'Your digital ID');
    }).catch(showFlowError).then(function () { button.disabled = false; });
  }

  function showFlowError(e) {
    var text = FLOW_ERRORS[e.code];
    if (!text && /^(DECRYPT_|RESPONSE_)/.test(e.code || ''))
      text = 'The wallet\'s answer could not be read for this request (' + e.code + '): ' + e.message;
    if (!text) text = (e.code ? e.code + ': ' : '') + (e.message || 'failed');
    setStatus('dc-status', text, 'error');
  }

  /* ---------- Verify a file: input detection ---------- */

  var HEX_RE = /^(?:[0-9a-fA-F]{2})+$/;
  var B64_RE = /^[A-Za-z0-9_\-+/]+={0,2}$/;

  function hexToBytes(h) {
    var out = new Uint8Array(h.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
    return out;
  }

  function b64ToBytes(s) {
    var t = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    if (t.length % 4 === 1) return null;
    while (t.length % 4) t += '=';
    try {
      var bin = atob(t), out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    } catch (e) { return null; }
  }

  function bytesToB64url(b) {
    var s = '';
    for (var i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /* A DeviceResponse is a CBOR map: major type 5 (0xa0-0xbb, or 0xbf indefinite). */
  function looksLikeCborMap(b) { return b.length > 0 && b[0] >= 0xa0 && b[0] <= 0xbf; }

  function isText(b) {
    for (var i = 0; i < b.length; i++) {
      var c = b[i];
      if (!(c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return false;
    }
    return true;
  }

  /* bytes of a file or pasted text -> {bytes, format} or {error} */
  function detectResponse(raw) {
    if (!raw || raw.length === 0) return { error: 'empty input' };
    if (!isText(raw) || looksLikeCborMap(raw)) {
      return looksLikeCborMap(raw) ? { bytes: raw, format: 'raw CBOR' }
        : { error: 'binary, but not a CBOR map (a DeviceResponse starts with a map)' };
    }
    var t = new TextDecoder().decode(raw).replace(/\s+/g, '');
    if (HEX_RE.test(t)) {
      var h = hexToBytes(t);
      if (looksLikeCborMap(h)) return { bytes: h, format: 'hex' };
    }
    if (B64_RE.test(t)) {
      var b = b64ToBytes(t);
      if (b && looksLikeCborMap(b)) return { bytes: b, format: /[+/]/.test(t) ? 'base64' : 'base64url' };
    }
    return { error: 'not CBOR, hex or base64url of a DeviceResponse (CBOR map)' };
  }

  /* transcript text -> {transcript} (JSON profile) or {transcript_hex} or {error} */
  function detectTranscript(text) {
    var t = text.trim();
    if (!t) return { error: 'a session transcript is required' };
    if (t[0] === '{') {
      try {
        var o = JSON.parse(t);
        if (!o || typeof o.profile !== 'string') return { error: 'the JSON needs a "profile" member' };
        return { body: { transcript: o }, info: 'profile ' + o.profile };
      } catch (e) { return { error: 'not valid JSON: ' + e.message }; }
    }
    var h = t.replace(/\s+/g, '');
    if (!HEX_RE.test(h)) return { error: 'give hex of the SessionTranscript, or a JSON profile object' };
    return { body: { transcript_hex: h.toLowerCase() }, info: 'hex, ' + h.length / 2 + ' bytes' };
  }

  var fileBytes = null;

  function currentResponse() {
    var txt = $('dr-text').value.trim();
    if (txt) return detectResponse(new TextEncoder().encode(txt));
    if (fileBytes) return detectResponse(fileBytes.bytes);
    return { error: 'drop or choose a DeviceResponse, or paste it' };
  }

  function describeResponse() {
    var r = currentResponse(), info = $('dr-info');
    var src = $('dr-text').value.trim() ? 'pasted' : fileBytes ? fileBytes.name : '';
    if (!src) { info.textContent = ''; info.className = 'hint'; return; }
    info.className = 'hint ' + (r.error ? 'bad' : 'good');
    info.textContent = r.error ? src + ': ' + r.error
      : src + ': ' + r.format + ', ' + r.bytes.length.toLocaleString('en-US') + ' bytes';
  }

  function describeTranscript() {
    var v = $('tx-text').value, info = $('tx-info');
    if (!v.trim()) { info.textContent = ''; info.className = 'hint'; return; }
    var t = detectTranscript(v);
    info.className = 'hint ' + (t.error ? 'bad' : 'good');
    info.textContent = t.error || t.info;
  }

  function takeFile(file) {
    if (!file) return;
    if (file.size > 1024 * 1024) {
      fileBytes = null;
      $('dr-info').textContent = file.name + ': larger than 1 MiB, the service limit';
      $('dr-info').className = 'hint bad';
      return;
    }
    file.arrayBuffer().then(function (buf) {
      fileBytes = { name: file.name, bytes: new Uint8Array(buf) };
      $('dr-text').value = '';
      $('drop').classList.add('has-file');
      $('drop').querySelector('p').textContent = file.name;
      describeResponse();
    });
  }

  function atValue() {
    var v = $('at-input').value;
    if (!v) return null;
    return (v.length === 16 ? v + ':00' : v) + 'Z';
  }

  function submitFile(ev) {
    ev.preventDefault();
    var r = currentResponse(), t = detectTranscript($('tx-text').value);
    describeResponse(); describeTranscript();
    if (r.error) { setStatus('file-status', 'DeviceResponse: ' + r.error, 'error'); return; }
    if (t.error) { setStatus('file-status', 'Transcript: ' + t.error, 'error'); return; }
    var body = Object.assign({ device_response: bytesToB64url(r.bytes) }, t.body);
    var at = atValue(), policy = $('policy-input').value;
    if (at) body.at = at;
    if (policy) body.policy = policy;
    $('file-submit').disabled = true;
    setStatus('file-status', 'Verifying…', 'busy');
    api('v1/verify', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (verdict) {
      setStatus('file-status', '', '');
      renderVerdict(verdict, fileBytes && !$('dr-text').value.trim() ? fileBytes.name : 'Pasted DeviceResponse');
    }).catch(function (e) {
      setStatus('file-status', (e.code ? e.code + ': ' : '') + e.message, 'error');
    }).then(function () { $('file-submit').disabled = false; });
  }

  /* ---------- verdict view ---------- */

  var CHECK_LABEL = {
    structure: ['Well-formed response', 'CBOR structure and required fields'],
    issuer_certificate: ['Trusted issuer', 'certificate chain to the issuing authority\'s root'],
    issuer_signature: ['Issuer signature', 'the issuer signed the mobile security object'],
    mso: ['Security object', 'mobile security object is well formed'],
    doctype: ['Document type', 'matches the signed document type'],
    digests: ['Data integrity', 'every disclosed value matches its signed digest'],
    validity: ['Validity', 'signed, valid from and valid until'],
    jurisdiction: ['Jurisdiction', 'issuer and data agree on the issuing jurisdiction'],
    device_auth: ['Bound to this session', 'the holder\'s device signed this request'],
    revocation: ['Not revoked', 'issuer\'s revocation list and the document\'s status list']
  };

  /* Which check an error code belongs to (the verdict lists codes per document). */
  function checkOf(code) {
    var exact = {
      MSO_DOCTYPE_MISMATCH: 'doctype', MSO_DIGEST_MISMATCH: 'digests', MSO_DIGEST_MISSING: 'digests',
      MSO_DIGEST_ID_DUPLICATE: 'digests', MSO_NOT_YET_VALID: 'validity', MSO_EXPIRED: 'validity',
      MSO_SIGNED_OUTSIDE_DS_VALIDITY: 'validity', MSO_VALIDITY_MALFORMED: 'validity',
      TDATE_MALFORMED: 'validity', NO_ANCHORS: 'issuer_certificate', DOC_MALFORMED: 'structure',
      CERT_REVOKED: 'revocation', REVOCATION_UNAVAILABLE: 'revocation'
    };
    if (exact[code]) return exact[code];
    var pre = [['CBOR_', 'structure'], ['LIMIT_', 'structure'], ['RESPONSE_', 'structure'],
               ['ITEM_', 'digests'], ['COSE_X5CHAIN', 'issuer_certificate'], ['CERT_', 'issuer_certificate'],
               ['CHAIN_', 'issuer_certificate'], ['DS_PROFILE', 'issuer_certificate'],
               ['IACA_PROFILE', 'issuer_certificate'], ['COSE_', 'issuer_signature'], ['MSO_', 'mso'],
               ['JURISDICTION_', 'jurisdiction'], ['DEVICE_', 'device_auth'], ['TRANSCRIPT_', 'device_auth'],
               ['STATUS_', 'revocation']];
    for (var i = 0; i < pre.length; i++) if (code.indexOf(pre[i][0]) === 0) return pre[i][1];
    return null;
  }

  function errorLine(e) {
    var li = el('li', 'reason');
    append(li, el('code', 'code', e.code));
    var parts = [];
    if (e.element) parts.push((e.namespace && e.namespace !== MDL_NS ? e.namespace + ' / ' : '') + e.element);
    if (e.detail) parts.push(e.detail);
    if (parts.length) append(li, el('span', 'detail', parts.join(': ')));
    return li;
  }

  function renderChecks(doc) {
    var list = el('ul', 'checks'), used = new Set();
    (doc.checks || []).forEach(function (c) {
      var label = CHECK_LABEL[c.name] || [c.name, ''];
      var state = c.skipped ? 'skip' : c.ok ? 'ok' : 'fail';
      var li = el('li', 'check ' + state);
      li.dataset.check = c.name;
      append(li, el('span', 'mark', state === 'ok' ? '✓' : state === 'fail' ? '✕' : '–'));
      var body = append(el('div', 'check-body'), el('strong', null, label[0]),
                        el('span', 'check-sub', state === 'skip' ? 'not run' : label[1]));
      var reasons = el('ul', 'reasons');
      (doc.errors || []).forEach(function (e, i) {
        if (checkOf(e.code) === c.name) { reasons.appendChild(errorLine(e)); used.add(i); }
      });
      if (reasons.childNodes.length) body.appendChild(reasons);
      append(li, body);
      list.appendChild(li);
    });
    var rest = (doc.errors || []).filter(function (e, i) { return !used.has(i); });
    return { list: list, rest: rest };
  }

  /* ---- element values ---- */

  var LABELS = {
    family_name: 'Family name', given_name: 'Given names', birth_date: 'Date of birth',
    issue_date: 'Issued', expiry_date: 'Expires', issuing_country: 'Issuing country',
    issuing_authority: 'Issuing authority', issuing_jurisdiction: 'Issuing jurisdiction',
    document_number: 'Document number', portrait: 'Portrait', driving_privileges: 'Driving privileges',
    un_distinguishing_sign: 'International sign', administrative_number: 'Administrative number',
    sex: 'Sex', height: 'Height (cm)', weight: 'Weight (kg)', eye_colour: 'Eye colour',
    hair_colour: 'Hair colour', birth_place: 'Place of birth', resident_address: 'Address',
    resident_city: 'City', resident_state: 'State', resident_postal_code: 'Postal code',
    resident_country: 'Country of residence', nationality: 'Nationality', age_in_years: 'Age',
    age_birth_year: 'Birth year', portrait_capture_date: 'Portrait taken',
    family_name_national_character: 'Family name (national)', given_name_national_character: 'Given names (national)',
    signature_usual_mark: 'Signature', document_discriminator: 'Document discriminator',
    real_id: 'REAL ID', DHS_compliance: 'REAL ID compliance', veteran: 'Veteran', organ_donor: 'Organ donor'
  };

  function labelOf(id) {
    var m = /^age_over_(\d+)$/.exec(id);
    if (m) return 'Age ' + m[1] + ' or over';
    if (LABELS[id]) return LABELS[id];
    var s = id.replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  var DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  var TDATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  function fmtDate(s) {
    var d = new Date(s + 'T00:00:00Z');
    if (isNaN(d)) return s;
    return d.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  }

  function fmtInstant(s) {
    var d = new Date(s);
    if (isNaN(d)) return s;
    return d.toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit',
                                        minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
  }

  function valueNode(id, v) {
    if (v === true || v === false) return el('span', 'pill ' + (v ? 'yes' : 'no'), v ? 'Yes' : 'No');
    if (v === null || v === undefined) return el('span', 'muted', '—');
    if (typeof v === 'number') return el('span', null, v.toLocaleString('en-US'));
    if (typeof v === 'string') {
      if (DATE_RE.test(v)) return el('time', null, fmtDate(v));
      if (TDATE_RE.test(v)) return el('time', null, fmtInstant(v));
      if (id === 'sex') return el('span', null, { 0: 'Not known', 1: 'Male', 2: 'Female', 9: 'Not applicable' }[v] || v);
      return el('span', null, v);
    }
    if (id === 'driving_privileges' && Array.isArray(v)) return privilegesTable(v);
    if (Array.isArray(v)) {
      var ul = el('ul', 'plain');
      v.forEach(function (x) { append(ul, append(el('li'), valueNode('', x))); });
      return ul;
    }
    var dl = el('dl', 'nested');
    Object.keys(v).forEach(function (k) { append(dl, el('dt', null, labelOf(k)), append(el('dd'), valueNode(k, v[k]))); });
    return dl;
  }

  function privilegesTable(rows) {
    var t = el('table', 'privileges'), head = el('tr');
    ['Category', 'Issued', 'Expires', 'Restrictions'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    append(t, append(el('thead'), head));
    var tb = el('tbody');
    rows.forEach(function (r) {
      r = r || {};
      var tr = el('tr');
      append(tr, append(el('td'), el('span', 'cat', r.vehicle_category_code || '?')),
             append(el('td'), r.issue_date ? valueNode('', r.issue_date) : el('span', 'muted', '—')),
             append(el('td'), r.expiry_date ? valueNode('', r.expiry_date) : el('span', 'muted', '—')));
      var codes = Array.isArray(r.codes) ? r.codes.map(function (c) {
        return [c.code, c.sign, c.value].filter(function (x) { return x !== undefined && x !== null; }).join(' ');
      }).join(', ') : '';
      append(tr, el('td', codes ? null : 'muted', codes || '—'));
      tb.appendChild(tr);
    });
    return append(t, tb);
  }

  /* base64url JPEG/PNG -> data: URL, or null when the bytes are not an image we show */
  function portraitUrl(v) {
    if (typeof v !== 'string' || v.length > 2800000) return null;
    var b = b64ToBytes(v);
    if (!b || b.length < 8) return null;
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'data:image/jpeg;base64,' + bytesToB64(b);
    if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'data:image/png;base64,' + bytesToB64(b);
    return null;
  }

  function bytesToB64(b) { return bytesToB64url(b).replace(/-/g, '+').replace(/_/g, '/'); }

  function portraitNode(v) {
    var box = el('div', 'portrait');
    var url = portraitUrl(v);
    if (!url) {
      box.classList.add('none');
      box.appendChild(el('span', null, v ? 'Portrait is not a JPEG or PNG image' : 'No portrait shared'));
      return box;
    }
    var img = el('img');
    img.alt = 'Portrait from the credential';
    img.onerror = function () {
      box.classList.add('none');
      box.textContent = '';
      box.appendChild(el('span', null, 'Portrait could not be decoded'));
    };
    img.src = url;
    return append(box, img);
  }

  function personCard(doc) {
    var ns = (doc.elements || {})[MDL_NS] || {};
    var card = el('div', 'person');
    append(card, portraitNode(ns.portrait));
    var who = el('div', 'who');
    var name = [ns.given_name, ns.family_name].filter(function (x) { return typeof x === 'string'; }).join(' ');
    append(who, el('h3', 'name', name || 'Name not shared'));
    var facts = el('div', 'facts');
    if (typeof ns.birth_date === 'string') append(facts, el('span', null, 'Born ' + fmtDate(ns.birth_date)));
    Object.keys(ns).filter(function (k) { return /^age_over_\d+$/.test(k); }).sort().forEach(function (k) {
      var n = k.slice(9);
      append(facts, el('span', 'pill ' + (ns[k] ? 'yes' : 'no'), (ns[k] ? n + '+' : 'under ' + n)));
    });
    append(who, facts);
    var meta = el('p', 'doc-meta');
    meta.textContent = [doc.doctype === 'org.iso.18013.5.1.mDL' ? 'Mobile driver\'s licence' : doc.doctype,
                        doc.jurisdiction ? 'issued in ' + doc.jurisdiction : null,
                        ns.document_number ? 'No. ' + ns.document_number : null]
      .filter(Boolean).join(' · ');
    append(who, meta);
    return append(card, who);
  }

  function elementsTable(doc) {
    var wrap = el('div', 'elements');
    var els = doc.elements || {};
    Object.keys(els).forEach(function (ns) {
      if (ns !== MDL_NS) wrap.appendChild(el('h4', 'ns', ns));
      var dl = el('dl', 'data');
      Object.keys(els[ns]).forEach(function (id) {
        if (id === 'portrait') return;
        var row = el('div', 'row' + (id === 'driving_privileges' ? ' wide' : ''));
        row.dataset.element = id;
        append(row, el('dt', null, labelOf(id)), append(el('dd'), valueNode(id, els[ns][id])));
        dl.appendChild(row);
      });
      wrap.appendChild(dl);
    });
    if (!Object.keys(els).length) wrap.appendChild(el('p', 'muted', 'No data elements were disclosed.'));
    return wrap;
  }

  function docSection(doc) {
    var sec = el('article', 'doc ' + (doc.valid ? 'valid' : 'invalid'));
    var checks = renderChecks(doc);
    var left = el('div', 'doc-main');
    append(left, personCard(doc), el('h4', 'sub', 'Disclosed data'), elementsTable(doc));
    var right = el('aside', 'doc-checks');
    append(right, el('h4', 'sub', 'Checks'), checks.list);
    if (checks.rest.length) {
      var other = el('ul', 'reasons other');
      checks.rest.forEach(function (e) { other.appendChild(errorLine(e)); });
      append(right, el('h4', 'sub', 'Other findings'), other);
    }
    if ((doc.leniencies || []).length)
      append(right, el('p', 'leniency', 'Tolerated under the lenient policy: ' + doc.leniencies.join(', ')));
    var iss = el('dl', 'issuer');
    if (doc.issuer) append(iss, el('dt', null, 'Signed by'), el('dd', null, doc.issuer.subject));
    if (doc.validity) {
      append(iss, el('dt', null, 'Valid'), el('dd', null, fmtInstant(doc.validity.valid_from) + ' – ' + fmtInstant(doc.validity.valid_until)));
    }
    append(iss, el('dt', null, 'Device authentication'), el('dd', null,
      { signature: 'device signature', mac: 'device MAC', none: 'none' }[doc.device_auth] || doc.device_auth));
    append(right, iss);
    return append(sec, append(el('div', 'doc-grid'), left, right));
  }

  function renderVerdict(v, source) {
    var out = $('result');
    out.textContent = '';
    out.hidden = false;
    out.className = 'result ' + (v.valid ? 'valid' : 'invalid');
    out.dataset.valid = String(!!v.valid);
    var banner = el('div', 'banner');
    append(banner, el('span', 'banner-icon', v.valid ? '✓' : '✕'));
    var bt = el('div', 'banner-text');
    append(bt, el('h2', null, v.valid ? 'Verified' : 'Not verified'),
           el('p', null, (v.valid ? 'The credential is genuine, current and bound to this session.'
                                 : 'Do not rely on this credential. The reasons are listed below.')));
    var meta = [source, 'checked ' + fmtInstant(v.verified_at), 'policy ' + v.policy];
    if (v.request_id) meta.push('request ' + v.request_id.slice(0, 8) + '…');
    append(bt, el('p', 'banner-meta', meta.filter(Boolean).join(' · ')));
    append(banner, bt);
    out.appendChild(banner);
    if ((v.errors || []).length) {
      var top = el('ul', 'reasons top');
      v.errors.forEach(function (e) { top.appendChild(errorLine(e)); });
      out.appendChild(top);
    }
    (v.documents || []).forEach(function (d) { out.appendChild(docSection(d)); });
    var raw = el('details', 'raw');
    append(raw, el('summary', null, 'Verdict JSON'), el('pre', null, JSON.stringify(redactPortrait(v), null, 2)));
    out.appendChild(raw);
    out.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function redactPortrait(v) {
    return JSON.parse(JSON.stringify(v, function (k, x) {
      return k === 'portrait' && typeof x === 'string' && x.length > 64 ? x.slice(0, 40) + '… (' + x.length + ' chars)' : x;
    }));
  }

  /* ---------- wiring ---------- */

  function wire() {
    $('dc-button').addEventListener('click', startFlow);
    var drop = $('drop'), input = $('file-input');
    drop.addEventListener('click', function (ev) { if (ev.target !== input) input.click(); });
    drop.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } });
    input.addEventListener('change', function () { takeFile(input.files[0]); });
    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (ev) { ev.preventDefault(); drop.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) takeFile(ev.dataTransfer.files[0]);
    });
    $('dr-text').addEventListener('input', describeResponse);
    $('tx-text').addEventListener('input', describeTranscript);
    $('file-form').addEventListener('submit', submitFile);
    if (!window.mdlgate.supported()) $('dc-button').classList.add('unsupported');
  }

  wire();
})();
