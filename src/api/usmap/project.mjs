// project.mjs DIR OUT - the coverage page's map (served at /us-map.json) from npm us-atlas
// (U.S. Census Bureau cartographic boundaries, ISC), written as a C string in OUT
// (build/gen/us_map.inc). Run by src/api/gen-usmap.sh; DIR is its node_modules.
//
//  - the 50 states and DC come from states-albers-10m.json, already projected by us-atlas
//    (Albers USA, Alaska and Hawaii as insets);
//  - that file leaves out the territories, so PR, VI, GU, MP and AS come from states-10m.json
//    (longitude/latitude), each fitted into an inset frame of its own;
//  - every shape gets a label point (the point of its largest polygon farthest from its edge);
//    a state too small to hold its label gets a chip in a column east of New England, with a
//    leader line.
// Output: {"source", "license", "notice", "view_box", "shapes": [{"code", "name", "d",
// "label": [x, y], "chip": [x, y, w, h] | absent, "leader": [x1, y1, x2, y2] | absent,
// "frame": [x, y, w, h, "title"] | absent}]}; coordinates rounded to 0.1.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const [dir, out] = process.argv.slice(2);
const require = createRequire(dir + '/');
const topojson = require('topojson-client');

// FIPS state code -> USPS code, the 56 jurisdictions of state-coverage/.
const USPS = {
  '01': 'AL', '02': 'AK', '04': 'AZ', '05': 'AR', '06': 'CA', '08': 'CO', '09': 'CT', '10': 'DE',
  '11': 'DC', '12': 'FL', '13': 'GA', '15': 'HI', '16': 'ID', '17': 'IL', '18': 'IN', '19': 'IA',
  '20': 'KS', '21': 'KY', '22': 'LA', '23': 'ME', '24': 'MD', '25': 'MA', '26': 'MI', '27': 'MN',
  '28': 'MS', '29': 'MO', '30': 'MT', '31': 'NE', '32': 'NV', '33': 'NH', '34': 'NJ', '35': 'NM',
  '36': 'NY', '37': 'NC', '38': 'ND', '39': 'OH', '40': 'OK', '41': 'OR', '42': 'PA', '44': 'RI',
  '45': 'SC', '46': 'SD', '47': 'TN', '48': 'TX', '49': 'UT', '50': 'VT', '51': 'VA', '53': 'WA',
  '54': 'WV', '55': 'WI', '56': 'WY', '60': 'AS', '66': 'GU', '69': 'MP', '72': 'PR', '78': 'VI',
};

// Inset frames for the territories [x, y, w, h, title], in the Albers file's coordinates:
// the Caribbean east of Florida, the Pacific in a row below Alaska and Hawaii.
const FRAMES = {
  PR: [850, 452, 150, 72, 'Puerto Rico'], VI: [850, 534, 150, 72, 'Virgin Islands'],
  GU: [-56, 620, 148, 72, 'Guam'], MP: [100, 620, 148, 72, 'N. Mariana Isl.'],
  AS: [256, 620, 148, 72, 'American Samoa'],
};
const FRAME_HEAD = 30;                       // the frame's title row (its chip and name)
const LABEL_RADIUS = 9;                      // smaller inscribed radius: a chip instead
const CHIP = { x: 958, y0: 160, w: 34, h: 20, gap: 5 };
const VIEW_BOX = [-60, 8, 1064, 688];

const r1 = (v) => Math.round(v * 10) / 10;
const polygons = (g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);

function load(name) {
  const topo = JSON.parse(fs.readFileSync(`${dir}/us-atlas/${name}`, 'utf8'));
  return topojson.feature(topo, topo.objects.states).features;
}

function pathOf(polys) {
  const rings = [];
  for (const p of polys)
    for (const r of p) {
      const pts = r.slice(0, -1).map(([x, y]) => `${r1(x)},${r1(y)}`);
      rings.push('M' + pts.join('L') + 'Z');
    }
  return rings.join('');
}

function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
  return Math.abs(a / 2);
}

function inside(p, poly) {
  let c = false;
  for (const r of poly)
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [xi, yi] = r[i], [xj, yj] = r[j];
      if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) c = !c;
    }
  return c;
}

function edgeDistance(p, poly) {
  let best = Infinity;
  for (const r of poly)
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [ax, ay] = r[j], [bx, by] = r[i];
      const dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
      const t = len ? Math.max(0, Math.min(1, ((p[0] - ax) * dx + (p[1] - ay) * dy) / len)) : 0;
      best = Math.min(best, Math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy));
    }
  return best;
}

// The label point of the largest polygon: the grid point inside it farthest from its edge.
function labelPoint(polys) {
  const poly = polys.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
  const xs = poly[0].map((q) => q[0]), ys = poly[0].map((q) => q[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const step = Math.max(0.25, Math.max(x1 - x0, y1 - y0) / 80);
  let best = { p: [(x0 + x1) / 2, (y0 + y1) / 2], r: -1 };
  for (let x = x0; x <= x1; x += step)
    for (let y = y0; y <= y1; y += step) {
      if (!inside([x, y], poly)) continue;
      const r = edgeDistance([x, y], poly);
      if (r > best.r) best = { p: [x, y], r };
    }
  return best;
}

// A territory's lon/lat polygons fitted into its frame (equirectangular at its own latitude).
function fitToFrame(polys, frame) {
  const pts = polys.flat(2);
  const lat0 = (Math.min(...pts.map((q) => q[1])) + Math.max(...pts.map((q) => q[1]))) / 2;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = pts.map((q) => q[0] * k), ys = pts.map((q) => -q[1]);
  const [bx, by] = [Math.min(...xs), Math.min(...ys)];
  const [bw, bh] = [Math.max(...xs) - bx, Math.max(...ys) - by];
  const [fx, fy, fw, fh] = frame, top = FRAME_HEAD, pad = 8;
  const s = Math.min((fw - 2 * pad) / bw, (fh - top - pad) / bh);
  const ox = fx + (fw - bw * s) / 2, oy = fy + top + (fh - top - pad - bh * s) / 2;
  return polys.map((p) => p.map((r) => r.map(([lon, lat]) => [ox + (lon * k - bx) * s, oy + (-lat - by) * s])));
}

function shape(f, polys, frame) {
  const code = USPS[f.id];
  if (!code) throw new Error(`unknown FIPS code ${f.id}`);
  const s = { code: 'US-' + code, name: f.properties.name, d: pathOf(polys) };
  const best = labelPoint(polys);
  s.label = best.p.map(r1);
  s.small = best.r < LABEL_RADIUS;
  if (frame) s.frame = frame;
  return s;
}

// Chips for the small states without a frame, stacked in label order (north to south).
function addChips(shapes) {
  const small = shapes.filter((s) => s.small && !s.frame).sort((a, b) => a.label[1] - b.label[1]);
  small.forEach((s, i) => {
    const y = CHIP.y0 + i * (CHIP.h + CHIP.gap);
    s.chip = [CHIP.x, y, CHIP.w, CHIP.h];
    s.leader = [s.label[0], s.label[1], CHIP.x, r1(y + CHIP.h / 2)];
  });
  for (const s of shapes) delete s.small;
}

function main() {
  const meta = JSON.parse(fs.readFileSync(`${dir}/us-atlas/package.json`, 'utf8'));
  const notice = fs.readFileSync(`${dir}/us-atlas/LICENSE`, 'utf8').trim();
  const states = load('states-albers-10m.json').map((f) => shape(f, polygons(f.geometry), null));
  const terr = load('states-10m.json').filter((f) => FRAMES[USPS[f.id]]).map((f) =>
    shape(f, fitToFrame(polygons(f.geometry), FRAMES[USPS[f.id]]), FRAMES[USPS[f.id]]));
  const shapes = [...states, ...terr].sort((a, b) => (a.code < b.code ? -1 : 1));
  if (shapes.length !== 56 || new Set(shapes.map((s) => s.code)).size !== 56)
    throw new Error(`expected 56 jurisdictions, got ${shapes.length}`);
  addChips(shapes);
  const source = `U.S. Census Bureau cartographic boundaries (2017), via npm ${meta.name} ${meta.version} (${meta.license})`;
  const json = JSON.stringify({ source, license: meta.license, notice, view_box: VIEW_BOX, shapes });
  if (!/^[\x20-\x7e]*$/.test(json)) throw new Error('non-ASCII or control characters in the map');
  const lines = json.match(/.{1,96}/g).map((l) => '    "' + l.replace(/[\\"]/g, '\\$&') + '"');
  fs.writeFileSync(out, `/* Generated by src/api/gen-usmap.sh from npm ${meta.name} ${meta.version}\n` +
    ` * (licence ${meta.license}). Do not edit; do not commit. */\n` +
    `#define MDLG_USMAP_SOURCE "${source}"\n` +
    `static const char mdlg_usmap_json[] =\n${lines.join('\n')};\n`);
  console.log(`gen-usmap: ${source}, ${shapes.length} shapes, ${json.length} bytes`);
}

main();
