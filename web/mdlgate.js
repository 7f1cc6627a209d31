/*
 * mdlgate.js - ask a visitor's wallet for their mobile driver's licence through the W3C
 * Digital Credentials API, and get mdlgate's verdict. No dependencies, no build step.
 *
 *   <script src="https://your-mdlgate.example/mdlgate.js"></script>
 *   mdlgate.verify({
 *     createRequest: (origin) => fetch('/my-backend/mdl-request', {method: 'POST'})
 *                                  .then((r) => r.json()),
 *   }).then((verdict) => ...)
 *
 * createRequest(origin) must resolve with the JSON that mdlgate's POST /v1/requests returned
 * (your backend calls mdlgate with its API key and the page's origin, and passes the answer
 * through). verify() hands its `digital` member to navigator.credentials.get, posts the
 * wallet's answer to its `response_url` (resolved against `base`, by default the origin this
 * script was loaded from) and resolves with the verdict. It rejects with an Error whose `code`
 * is one of: DC_API_UNSUPPORTED, INSECURE_CONTEXT, CANCELLED, WALLET_ERROR, REQUEST_FAILED,
 * RESPONSE_FAILED, or an mdlgate error code (e.g. NOT_FOUND, STORE_CONFLICT) with its detail.
 */
(function (global) {
  'use strict';

  var script = global.document && global.document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, global.location.href).origin : null;

  function fail(code, message, extra) {
    var e = new Error(message);
    e.code = code;
    if (extra) Object.keys(extra).forEach(function (k) { e[k] = extra[k]; });
    return e;
  }

  /* true when this browser exposes the Digital Credentials API */
  function supported() {
    return !!(global.isSecureContext && global.navigator && global.navigator.credentials &&
              typeof global.navigator.credentials.get === 'function' &&
              typeof global.DigitalCredential !== 'undefined');
  }

  function checkSupport() {
    if (!global.isSecureContext)
      throw fail('INSECURE_CONTEXT', 'The Digital Credentials API needs a secure page (HTTPS or localhost).');
    if (!supported())
      throw fail('DC_API_UNSUPPORTED',
        'This browser cannot ask a wallet for a digital ID (no Digital Credentials API). ' +
        'Try a current Chrome or Safari, or scan with your phone.');
  }

  function walletError(e) {
    var name = e && e.name;
    if (name === 'NotAllowedError' || name === 'AbortError')
      return fail('CANCELLED', 'The request was cancelled or no wallet answered.', { cause: e });
    return fail('WALLET_ERROR', 'The wallet could not answer: ' + (e && e.message || e), { cause: e });
  }

  /* credential.data is an object in current browsers, a JSON string in early ones */
  function answerOf(cred) {
    if (!cred || typeof cred.protocol !== 'string')
      throw fail('WALLET_ERROR', 'The browser returned no digital credential.');
    var data = cred.data;
    if (typeof data === 'string') {
      try { data = JSON.parse(data); } catch (e) { throw fail('WALLET_ERROR', 'The wallet answer is not JSON.'); }
    }
    return { protocol: cred.protocol, data: data };
  }

  function readJson(res) {
    return res.text().then(function (t) {
      try { return JSON.parse(t); } catch (e) { return null; }
    });
  }

  function postAnswer(url, answer, fetchFn) {
    return fetchFn(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(answer), credentials: 'omit', mode: 'cors'
    }).catch(function (e) {
      throw fail('RESPONSE_FAILED', 'Could not reach mdlgate: ' + e.message, { cause: e });
    }).then(function (res) {
      return readJson(res).then(function (j) {
        if (res.ok && j && typeof j.valid === 'boolean') return j;
        var code = (j && j.error) || 'RESPONSE_FAILED';
        throw fail(code, (j && j.detail) || ('mdlgate answered HTTP ' + res.status), { status: res.status });
      });
    });
  }

  /*
   * verify(opts) -> Promise<verdict>
   *   opts.createRequest(origin)  required; resolves with mdlgate's POST /v1/requests answer
   *   opts.origin                 passed to createRequest (default: this page's origin)
   *   opts.base                   base URL for response_url (default: where mdlgate.js came from)
   *   opts.signal                 an AbortSignal for the wallet prompt
   *   opts.onStep(step)           'request' | 'wallet' | 'verifying' progress callback
   */
  function verify(opts) {
    opts = opts || {};
    var step = typeof opts.onStep === 'function' ? opts.onStep : function () {};
    var fetchFn = opts.fetch || global.fetch.bind(global);
    var origin = opts.origin || global.location.origin;
    var request;
    return Promise.resolve().then(function () {
      if (typeof opts.createRequest !== 'function')
        throw fail('REQUEST_FAILED', 'mdlgate.verify needs a createRequest function.');
      checkSupport();
      step('request');
      return opts.createRequest(origin);
    }).then(function (req) {
      if (!req || !req.digital || !Array.isArray(req.digital.requests) || typeof req.response_url !== 'string')
        throw fail('REQUEST_FAILED', 'createRequest did not return an mdlgate request (digital, response_url).');
      request = req;
      step('wallet');
      var get = { digital: req.digital };
      if (opts.signal) get.signal = opts.signal;
      return global.navigator.credentials.get(get).catch(function (e) { throw walletError(e); });
    }).then(function (cred) {
      var answer = answerOf(cred);
      step('verifying');
      var base = opts.base || scriptOrigin || global.location.href;
      return postAnswer(new URL(request.response_url, base).href, answer, fetchFn);
    }).then(function (verdict) {
      if (verdict && !verdict.request_id && request.id) verdict.request_id = request.id;
      return verdict;
    });
  }

  global.mdlgate = { verify: verify, supported: supported, version: '1' };
})(typeof window !== 'undefined' ? window : this);
