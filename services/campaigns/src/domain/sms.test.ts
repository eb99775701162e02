import { smsShape, smsShapeByLibrary } from './sms';

/** Every character smsShape answers for itself (its fast path), and a few it must leave to the library. */
const FAST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 \n!"#$%&\'()*+,-./:;<=>?@_£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà';
/** Two septets each. */
const EXTENSION = '\f^{}\\[~]|€';
const LIBRARY = ['`', '\r', '\r\n', 'ą', 'ł', '😀', '\t', '\u0301', 'ê', '’'];

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('smsShape answers what sms-segments-calculator answers', () => {
  it('for every character of U+0000-U+00FF and a few more, repeated to the segment boundaries (so the fast path holds no character the library counts otherwise)', () => {
    const chars = [...Array.from({ length: 256 }, (_, code) => String.fromCharCode(code)), ...FAST, ...EXTENSION, ...LIBRARY];
    for (const c of chars) {
      for (const n of [1, 160, 161, 307]) expect({ c, n, shape: smsShape(c.repeat(n)) }).toEqual({ c, n, shape: smsShapeByLibrary(c.repeat(n)) });
    }
  });

  it('takes its fast path for the basic set: 160 fit one segment, 161 need two, 307 three', () => {
    for (const c of FAST) {
      expect([160, 161, 306, 307].map((n) => smsShape(c.repeat(n)).segments)).toEqual([1, 2, 2, 3]);
    }
    for (const c of EXTENSION) {
      expect([80, 81, 153, 154].map((n) => smsShape(c.repeat(n)).segments)).toEqual([1, 2, 3, 3]);
    }
    expect(smsShape('')).toEqual(smsShapeByLibrary(''));
  });

  it('on 1,000 random bodies of GSM-7 characters (0 to 400 long, one in eight an extension character), a third of them with one other character put in', () => {
    const next = random(20261203);
    for (let i = 0; i < 1_000; i++) {
      const length = Math.floor(next() * 400);
      // One character in eight from the extension set: escapes land on segment boundaries too.
      let body = Array.from({ length }, () => (next() < 0.125 ? EXTENSION[Math.floor(next() * EXTENSION.length)] : FAST[Math.floor(next() * FAST.length)])).join('');
      if (i % 3 === 0) {
        const at = Math.floor(next() * (length + 1));
        body = body.slice(0, at) + LIBRARY[i % LIBRARY.length] + body.slice(at);
      }
      expect({ body, shape: smsShape(body) }).toEqual({ body, shape: smsShapeByLibrary(body) });
    }
  });
});
