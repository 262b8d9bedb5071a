/**
 * Draws the Barkeep mark (a barrel that is also a database cylinder, inside an
 * amber rewind arrow) from one list of shapes into assets/icon.svg and a
 * 512×512 assets/icon.png. Pure Node: shapes are rasterised with 4×4
 * supersampling and the PNG is written with zlib; no dependencies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const size = 512;
const samplesPerAxis = 4;

const colours = {
  brand: '#17414f',
  amber: '#e8a33d',
  body: '#efdcb4',
  top: '#fbf3e2',
  rim: '#c8ad78',
};

// The rewind arrow: an arc of the ring from arcStart clockwise to arcEnd, its head pointing back.
const ring = { cx: 256, cy: 264, r: 190, width: 30 };
const arcStart = -48;
const arcEnd = 222;
const headBack = 24;
const headHalfWidth = 34;

// The barrel / database cylinder.
const barrel = { left: 160, right: 352, top: 176, bottom: 352, ry: 30 };
const barrelCx = (barrel.left + barrel.right) / 2;
const barrelRx = (barrel.right - barrel.left) / 2;
const hoopYs = [234, 294];
const hoopWidth = 10;
const rimWidth = 6;

const radians = (degrees) => (degrees * Math.PI) / 180;
const onRing = (degrees, radius) => [
  ring.cx + radius * Math.cos(radians(degrees)),
  ring.cy + radius * Math.sin(radians(degrees)),
];
const round = (value) => Math.round(value * 100) / 100;
const point = ([x, y]) => `${round(x)} ${round(y)}`;

const arrowHead = [onRing(arcStart, ring.r - headHalfWidth), onRing(arcStart, ring.r + headHalfWidth), onRing(arcStart - headBack, ring.r)];

/** Painted in order; each shape knows its SVG element and whether a point is inside it. */
const shapes = [
  {
    fill: colours.brand,
    svg: `<rect x="16" y="16" width="480" height="480" rx="104" fill="${colours.brand}"/>`,
    contains: (x, y) => insideRoundRect(x, y, 16, 16, 496, 496, 104),
  },
  {
    fill: colours.amber,
    svg: `<path d="M${point(onRing(arcStart, ring.r))} A${ring.r} ${ring.r} 0 1 1 ${point(onRing(arcEnd, ring.r))}" fill="none" stroke="${colours.amber}" stroke-width="${ring.width}"/>`,
    contains: (x, y) => insideArc(x, y),
  },
  {
    fill: colours.amber,
    svg: `<polygon points="${arrowHead.map((corner) => point(corner).replace(' ', ',')).join(' ')}" fill="${colours.amber}"/>`,
    contains: (x, y) => insideTriangle(x, y, arrowHead),
  },
  {
    fill: colours.body,
    svg: `<path d="M${barrel.left} ${barrel.top} V${barrel.bottom} A${barrelRx} ${barrel.ry} 0 0 0 ${barrel.right} ${barrel.bottom} V${barrel.top} Z" fill="${colours.body}"/>`,
    contains: (x, y) =>
      (x >= barrel.left && x <= barrel.right && y >= barrel.top && y <= barrel.bottom) ||
      insideEllipse(x, y, barrelCx, barrel.bottom, barrelRx, barrel.ry),
  },
  ...hoopYs.map((hoopY) => ({
    fill: colours.brand,
    svg: `<path d="M${barrel.left} ${hoopY} A${barrelRx} ${barrel.ry} 0 0 0 ${barrel.right} ${hoopY}" fill="none" stroke="${colours.brand}" stroke-width="${hoopWidth}"/>`,
    contains: (x, y) => y >= hoopY && nearEllipse(x, y, barrelCx, hoopY, barrelRx, barrel.ry, hoopWidth / 2),
  })),
  {
    fill: colours.top,
    svg: `<ellipse cx="${barrelCx}" cy="${barrel.top}" rx="${barrelRx}" ry="${barrel.ry}" fill="${colours.top}" stroke="${colours.rim}" stroke-width="${rimWidth}"/>`,
    contains: (x, y) => insideEllipse(x, y, barrelCx, barrel.top, barrelRx, barrel.ry),
  },
  {
    fill: colours.rim,
    svg: '',
    contains: (x, y) => nearEllipse(x, y, barrelCx, barrel.top, barrelRx, barrel.ry, rimWidth / 2),
  },
];

function insideRoundRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const dx = Math.max(x0 + r - x, x - (x1 - r), 0);
  const dy = Math.max(y0 + r - y, y - (y1 - r), 0);
  return dx * dx + dy * dy <= r * r;
}

function insideArc(x, y) {
  const distance = Math.hypot(x - ring.cx, y - ring.cy);
  if (Math.abs(distance - ring.r) > ring.width / 2) return false;
  let angle = (Math.atan2(y - ring.cy, x - ring.cx) * 180) / Math.PI;
  if (angle < arcStart) angle += 360;
  return angle <= arcEnd;
}

function insideTriangle(x, y, [a, b, c]) {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

function insideEllipse(x, y, cx, cy, rx, ry) {
  const nx = (x - cx) / rx;
  const ny = (y - cy) / ry;
  return nx * nx + ny * ny <= 1;
}

// First-order distance to the ellipse (implicit value over its gradient): exact enough for strokes this thin.
function nearEllipse(x, y, cx, cy, rx, ry, halfWidth) {
  const dx = x - cx;
  const dy = y - cy;
  const value = (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) - 1;
  const gradient = Math.hypot((2 * dx) / (rx * rx), (2 * dy) / (ry * ry));
  return gradient > 0 && Math.abs(value / gradient) <= halfWidth;
}

function parseHex(hex) {
  return [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
}

function rasterise() {
  const fills = shapes.map((shape) => parseHex(shape.fill));
  const pixels = Buffer.alloc(size * size * 4);
  const samples = samplesPerAxis * samplesPerAxis;
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < samplesPerAxis; sy += 1) {
        for (let sx = 0; sx < samplesPerAxis; sx += 1) {
          const x = px + (sx + 0.5) / samplesPerAxis;
          const y = py + (sy + 0.5) / samplesPerAxis;
          let colour = null;
          shapes.forEach((shape, index) => {
            if (shape.contains(x, y)) colour = fills[index];
          });
          if (colour === null) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          covered += 1;
        }
      }
      const at = (py * size + px) * 4;
      if (covered === 0) continue;
      pixels[at] = Math.round(r / covered);
      pixels[at + 1] = Math.round(g / covered);
      pixels[at + 2] = Math.round(b / covered);
      pixels[at + 3] = Math.round((covered / samples) * 255);
    }
  }
  return pixels;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function encodePng(pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method variants, no interlace
  const stride = size * 4;
  const rows = Buffer.alloc((stride + 1) * size);
  for (let y = 0; y < size; y += 1) {
    rows[y * (stride + 1)] = 0; // filter type: none
    pixels.copy(rows, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function renderSvg() {
  const body = shapes
    .map((shape) => shape.svg)
    .filter((element) => element !== '')
    .map((element) => `  ${element}`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}">\n  <title>Barkeep</title>\n${body}\n</svg>\n`;
}

const assets = fileURLToPath(new URL('../assets/', import.meta.url));
mkdirSync(assets, { recursive: true });
writeFileSync(`${assets}icon.svg`, renderSvg());
writeFileSync(`${assets}icon.png`, encodePng(rasterise()));
console.log(`wrote ${assets}icon.svg and ${assets}icon.png (${size}×${size})`);
