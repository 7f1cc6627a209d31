/*
 * chrome.js - what mdlgate's pages share, so that each page's HTML holds only its own content:
 *  - the top bar (brand, navigation, API-key button), rendered into <header id="topbar"
 *    data-page="verify|coverage">;
 *  - the API-key dialog, rendered into <dialog id="key-dialog">;
 *  - the API key itself: kept in sessionStorage (this tab only), taken once from #key= (the
 *    address `make run` prints) and dropped from the address bar.
 * Load it before the page's own script; it defines window.mdlgatePage (see the end).
 */
(function () {
  'use strict';

  var KEY_STORE = 'mdlgate.apiKey';
  var NAV = [
    { href: '/', text: 'Verify', page: 'verify' },
    { href: 'coverage.html', text: 'Coverage', page: 'coverage' },
    { href: 'openapi.yaml', text: 'API', page: 'api' }
  ];

  var $ = function (id) { return document.getElementById(id); };

  /* An element with a class and text (never parsed as HTML). */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function attrs(e, a) {
    Object.keys(a).forEach(function (k) { e.setAttribute(k, a[k]); });
    return e;
  }

  /* ---------- markup ---------- */

  function renderHeader(h) {
    var brand = attrs(el('a', 'brand'), { href: '/' });
    brand.appendChild(attrs(el('span', 'brand-mark'), { 'aria-hidden': 'true' }));
    brand.appendChild(document.createTextNode('mdlgate'));
    var nav = el('nav');
    NAV.forEach(function (n) {
      var a = attrs(el('a', null, n.text), { href: n.href });
      if (n.page === h.dataset.page) a.setAttribute('aria-current', 'page');
      nav.appendChild(a);
    });
    var b = attrs(el('button', 'key-button'), { type: 'button', id: 'key-button', 'aria-haspopup': 'dialog' });
    b.appendChild(attrs(el('span', 'dot'), { id: 'key-dot' }));
    b.appendChild(attrs(el('span', null, 'Connect API key'), { id: 'key-label' }));
    nav.appendChild(b);
    h.className = 'topbar';
    h.textContent = '';
    h.appendChild(brand);
    h.appendChild(nav);
  }

  function button(id, cls, text, type) {
    return attrs(el('button', cls, text), { type: type || 'button', id: id });
  }

  function renderDialog(d) {
    var f = attrs(el('form'), { method: 'dialog', id: 'key-form' });
    f.appendChild(attrs(el('h2', null, 'API key'), { id: 'key-title' }));
    var p = el('p', null, 'This page talks to the mdlgate service it is served from. Paste an API key of this service (');
    p.appendChild(el('code', null, 'make run'));
    p.appendChild(document.createTextNode(' prints one). It stays in this tab only (sessionStorage) and is sent to nothing but this service.'));
    f.appendChild(p);
    f.appendChild(attrs(el('input'), { type: 'password', id: 'key-input', autocomplete: 'off', spellcheck: 'false', placeholder: 'API key' }));
    var act = el('div', 'dialog-actions');
    act.appendChild(button('key-forget', 'ghost', 'Forget key'));
    act.appendChild(button('key-cancel', 'ghost', 'Cancel'));
    act.appendChild(button('key-save', 'primary small', 'Save', 'submit'));
    f.appendChild(act);
    d.setAttribute('aria-labelledby', 'key-title');
    d.textContent = '';
    d.appendChild(f);
  }

  /* ---------- the key ---------- */

  function getKey() { try { return sessionStorage.getItem(KEY_STORE) || ''; } catch (e) { return ''; } }

  function setKey(k) {
    try { if (k) sessionStorage.setItem(KEY_STORE, k); else sessionStorage.removeItem(KEY_STORE); } catch (e) { /* private mode */ }
    $('key-dot').className = 'dot' + (k ? ' on' : '');
    $('key-label').textContent = k ? 'API key set' : 'Connect API key';
  }

  function keyFromFragment() {
    var m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
    if (!m) return;
    setKey(decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }

  var keyWaiter = null, keyListeners = [];

  /* Opens the dialog (with an optional message); resolves to the key saved, or '' if none. */
  function askKey(message) {
    var d = $('key-dialog');
    $('key-input').value = '';
    var p = d.querySelector('p.key-msg');
    if (p) p.remove();
    if (message) d.querySelector('form').insertBefore(el('p', 'key-msg', message), $('key-input'));
    if (!d.open) d.showModal();
    $('key-input').focus();
    return new Promise(function (resolve) { keyWaiter = resolve; });
  }

  function closeKey(value) {
    var d = $('key-dialog');
    if (d.open) d.close();
    if (keyWaiter) { var w = keyWaiter; keyWaiter = null; w(value); }
  }

  function wireDialog() {
    $('key-button').addEventListener('click', function () { askKey(); });
    $('key-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var k = $('key-input').value.trim();
      if (k) setKey(k);
      closeKey(k || getKey());
      if (k) keyListeners.forEach(function (fn) { fn(k); });
    });
    $('key-cancel').addEventListener('click', function () { closeKey(''); });
    $('key-forget').addEventListener('click', function () { setKey(''); closeKey(''); });
    $('key-dialog').addEventListener('cancel', function () { closeKey(''); });
  }

  renderHeader($('topbar'));
  renderDialog($('key-dialog'));
  wireDialog();
  setKey(getKey());
  keyFromFragment();

  /*
   * el(tag, cls, text): an element with text; getKey(), setKey(k) ('' forgets it);
   * askKey(message): the dialog, resolving to the key saved or ''; onKey(fn): fn(key) after
   * each save from the dialog (for a page that reloads its data then).
   */
  window.mdlgatePage = {
    el: el, getKey: getKey, setKey: setKey, askKey: askKey,
    onKey: function (fn) { keyListeners.push(fn); }
  };
})();
