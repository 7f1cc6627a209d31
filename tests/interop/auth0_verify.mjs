#!/usr/bin/env node
// Independent-implementation interop harness: verifies an ISO 18013-5 DeviceResponse with the
// npm package @auth0/mdl (auth0-lab/mdl), version pinned in tests/interop/package.json.
//
//   node tests/interop/auth0_verify.mjs --response FILE --anchor FILE.pem --transcript-hex HEX
//        [--reader-key FILE.pem] [--at RFC3339]
//
//   --response FILE       DeviceResponse, raw CBOR (a file holding the lowercase hex of it, as
//                         the shared vectors do, is accepted too: a DeviceResponse is a CBOR map,
//                         whose first byte 0xa0..0xbf can never be an ASCII hex digit).
//   --anchor FILE.pem     trusted IACA certificate(s), PEM; may hold several certificates and may
//                         be given more than once.
//   --transcript-hex HEX  SessionTranscript as the hex of the PLAIN (untagged) CBOR array. The
//                         script wraps it itself (see below). An already tag-24 wrapped
//                         SessionTranscriptBytes (d8 18 ...) is accepted as is: a CBOR array
//                         starts with 0x80..0x9f, so the two forms cannot be confused.
//   --reader-key FILE.pem EReader private key (PKCS#8 / SEC1 PEM, EC P-256/384/521); needed only
//                         when the document uses deviceMac.
//   --at RFC3339          verification instant (e.g. 2024-01-01T00:00:00Z). Default: real time.
//
// Prints one line of JSON: {"valid":bool,"errors":[...],"at":"...","library":"@auth0/mdl@x.y.z"}
// Exit: 0 valid, 1 invalid (including a response the library cannot parse), 2 usage error.
//
// How @auth0/mdl 3.0.1 takes its inputs (read from node_modules/@auth0/mdl/lib):
//  * Verifier.verify(encodedDeviceResponse, {encodedSessionTranscript, ephemeralReaderKey, onCheck})
//    expects encodedSessionTranscript to be the TAG-24 WRAPPED SessionTranscriptBytes
//    (#6.24(bstr .cbor SessionTranscript)): utils.calculateDeviceAutenticationBytes() does
//    `cborDecode(bytes).data` (the DataItem's content) and re-encodes the decoded array inside
//    DeviceAuthentication, and calculateEphemeralMacKey() uses SHA-256(bytes) as the HKDF salt,
//    which ISO 18013-5 9.1.5.1 defines over SessionTranscriptBytes. Passing the plain array makes
//    `.data` undefined, so every device signature / MAC check fails.
//  * ephemeralReaderKey must be a COSE_Key (Map or encoded bytes) with kty/crv/x/y/d; we build it
//    from the PEM.
//  * Trust anchors are PEM strings given to `new Verifier([...])`.
//  * The clock: the library has no time option. The MSO validity check does `new Date()` in
//    Verifier.verifyIssuerSignature, and the X.509 chain check (cose-kit -> pkijs
//    CertificateChainValidationEngine) defaults checkDate to `new Date()`. So with --at we replace
//    the global Date by a subclass whose no-argument constructor and Date.now() return the pinned
//    instant, BEFORE the library is loaded (it is imported dynamically below).
//  * With an onCheck callback the library reports every check and does not throw on failures;
//    we collect the FAILED ones. Without it, it throws on the first failure.

import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';

const USAGE = 'usage: node auth0_verify.mjs --response FILE --anchor FILE.pem --transcript-hex HEX ' +
  '[--reader-key FILE.pem] [--at RFC3339]';

function usage(msg) {
  process.stderr.write(`auth0_verify: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

// ---- arguments -------------------------------------------------------------------------------
const opts = { anchors: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '-h' || a === '--help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const m = /^(--[a-z-]+)(?:=(.*))?$/s.exec(a);
  if (!m) usage(`unexpected argument: ${a}`);
  const name = m[1];
  let val = m[2];
  if (val === undefined) {
    if (i + 1 >= argv.length) usage(`${name} needs a value`);
    val = argv[++i];
  }
  switch (name) {
    case '--response': opts.response = val; break;
    case '--anchor': opts.anchors.push(val); break;
    case '--transcript-hex': opts.transcriptHex = val; break;
    case '--reader-key': opts.readerKey = val; break;
    case '--at': opts.at = val; break;
    default: usage(`unknown option: ${name}`);
  }
}
if (!opts.response) usage('--response is required');
if (opts.anchors.length === 0) usage('--anchor is required');
if (opts.transcriptHex === undefined) usage('--transcript-hex is required');

function readOrDie(path, what) {
  try {
    return readFileSync(path);
  } catch (e) {
    return usage(`cannot read ${what} ${path}: ${e.code || e.message}`);
  }
}

// Response: raw CBOR, or hex text.
let response = readOrDie(opts.response, '--response');
{
  const text = response.toString('latin1').replace(/\s+/g, '');
  if (response.length > 0 && /^[0-9a-fA-F]$/.test(String.fromCharCode(response[0])) &&
      /^(?:[0-9a-fA-F]{2})+$/.test(text)) {
    response = Buffer.from(text, 'hex');
  }
}
if (response.length === 0) usage('--response file is empty');

// Anchors: every PEM CERTIFICATE block of every --anchor file.
const anchors = [];
for (const f of opts.anchors) {
  const pem = readOrDie(f, '--anchor').toString('utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || [];
  if (blocks.length === 0) usage(`no PEM certificate in ${f}`);
  anchors.push(...blocks.map((b) => `${b}\n`));
}

// Transcript: plain array -> SessionTranscriptBytes = #6.24(bstr .cbor SessionTranscript).
const thex = opts.transcriptHex.replace(/\s+/g, '');
if (!/^(?:[0-9a-fA-F]{2})+$/.test(thex)) usage('--transcript-hex is not an even-length hex string');
const tbytes = Buffer.from(thex, 'hex');
let sessionTranscriptBytes;
if (tbytes[0] >= 0x80 && tbytes[0] <= 0x9f) {
  sessionTranscriptBytes = Buffer.concat([Buffer.from([0xd8, 0x18]), bstrHeader(tbytes.length), tbytes]);
} else if (tbytes[0] === 0xd8 && tbytes[1] === 0x18) {
  sessionTranscriptBytes = tbytes;
} else {
  usage('--transcript-hex must be a CBOR array (SessionTranscript)');
}

function bstrHeader(n) {
  if (n < 24) return Buffer.from([0x40 | n]);
  if (n < 0x100) return Buffer.from([0x58, n]);
  if (n < 0x10000) return Buffer.from([0x59, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x5a;
  b.writeUInt32BE(n, 1);
  return b;
}

// Reader key (deviceMac): PEM -> COSE_Key Map {1: 2 (EC2), -1: crv, -2: x, -3: y, -4: d}.
let ephemeralReaderKey;
if (opts.readerKey) {
  let jwk;
  try {
    jwk = createPrivateKey(readOrDie(opts.readerKey, '--reader-key')).export({ format: 'jwk' });
  } catch (e) {
    usage(`--reader-key: ${e.message}`);
  }
  const crv = { 'P-256': 1, 'P-384': 2, 'P-521': 3 }[jwk.crv];
  if (jwk.kty !== 'EC' || !crv) usage(`--reader-key: unsupported key ${jwk.kty}/${jwk.crv}`);
  const b = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
  ephemeralReaderKey = new Map([[1, 2], [-1, crv], [-2, b(jwk.x)], [-3, b(jwk.y)], [-4, b(jwk.d)]]);
}

// Clock.
let atIso = null;
if (opts.at !== undefined) {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
  const ms = Date.parse(opts.at);
  if (!rfc3339.test(opts.at) || Number.isNaN(ms)) usage(`--at is not an RFC 3339 date-time: ${opts.at}`);
  const RealDate = Date;
  class PinnedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }

    static now() {
      return ms;
    }
  }
  globalThis.Date = PinnedDate;
  atIso = new RealDate(ms).toISOString();
}

// ---- verification ----------------------------------------------------------------------------
const require = createRequire(import.meta.url);
let libVersion = 'unknown';
try {
  libVersion = require('@auth0/mdl/package.json').version;
} catch { /* exports map may hide it; not important */ }

let mdl;
try {
  mdl = await import('@auth0/mdl');
} catch (e) {
  process.stderr.write(`auth0_verify: cannot load @auth0/mdl (run npm ci in tests/interop): ${e.message}\n`);
  process.exit(2);
}
const Verifier = mdl.Verifier ?? mdl.default?.Verifier;

const errors = [];
let checks = 0;
try {
  const verifier = new Verifier(anchors);
  await verifier.verify(new Uint8Array(response), {
    encodedSessionTranscript: new Uint8Array(sessionTranscriptBytes),
    ephemeralReaderKey,
    onCheck: (c) => {
      checks++;
      if (c.status === 'FAILED') {
        errors.push(`${c.category || '?'}/${c.id}: ${c.reason ?? c.check}`);
      }
    },
  });
  if (checks === 0) errors.push('library reported no checks');
} catch (e) {
  errors.push(`exception: ${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`);
}

const valid = errors.length === 0;
process.stdout.write(`${JSON.stringify({ valid, errors, at: atIso, library: `@auth0/mdl@${libVersion}` })}\n`);
process.exit(valid ? 0 : 1);
