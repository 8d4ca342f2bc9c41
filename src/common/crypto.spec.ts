import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptionError,
  createEncryptStream,
  decryptBuffer,
  decryptJson,
  encryptBuffer,
  encryptJson,
  formatReceiptCode,
  hmacHex,
  idHmac,
  parseReceiptCode,
  randomReceiptCode,
} from './crypto.js';
import { InvalidIdNumberError } from './id-number.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

/** Flips one bit of a base64url part of a v1 token. */
function tamperToken(token: string, part: 1 | 2 | 3): string {
  const parts = token.split('.');
  const buf = Buffer.from(parts[part], 'base64url');
  buf[buf.length - 1] ^= 0x01;
  parts[part] = buf.toString('base64url');
  return parts.join('.');
}

describe('encryptJson / decryptJson', () => {
  it('round-trips Chinese, emoji and characters outside the BMP', () => {
    const value = {
      name: '王𠮷',
      phone: '13800138000',
      note: '举报人担心被报复 😡🙏',
      nested: [1, 2.5, null, true, { 村: '西渡镇' }],
    };
    const token = encryptJson(key, value);
    expect(decryptJson<typeof value>(key, token)).toEqual(value);
    expect(decryptJson(key, encryptJson(key, '𠮷'))).toBe('𠮷');
    expect(decryptJson(key, encryptJson(key, 0))).toBe(0);
    expect(decryptJson(key, encryptJson(key, null))).toBeNull();
  });

  it('writes v1.<iv>.<tag>.<ciphertext> with a fresh IV every time', () => {
    const a = encryptJson(key, { x: 1 });
    const b = encryptJson(key, { x: 1 });
    expect(a).not.toBe(b);
    const [version, iv, tag, ct] = a.split('.');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ct, 'base64url')).toHaveLength('{"x":1}'.length);
    expect(a).toMatch(/^v1(\.[A-Za-z0-9_-]+){3}$/);
    expect(Buffer.from(ct, 'base64url').toString('utf8')).not.toBe('{"x":1}');
  });

  it('throws DecryptionError when any part was tampered with', () => {
    const token = encryptJson(key, { name: '张三' });
    for (const part of [1, 2, 3] as const) {
      expect(() => decryptJson(key, tamperToken(token, part))).toThrow(DecryptionError);
    }
  });

  it('throws DecryptionError with the wrong key', () => {
    const token = encryptJson(key, 'secret');
    expect(() => decryptJson(otherKey, token)).toThrow(DecryptionError);
  });

  it('binds the ciphertext to its associated data', () => {
    const token = encryptJson(key, '13800138000', 'reporter:42');
    expect(decryptJson(key, token, 'reporter:42')).toBe('13800138000');
    expect(() => decryptJson(key, token, 'reporter:43')).toThrow(DecryptionError);
    expect(() => decryptJson(key, token)).toThrow(DecryptionError);
    expect(() => decryptJson(key, encryptJson(key, 'x'), 'reporter:42')).toThrow(DecryptionError);
  });

  it('refuses malformed tokens with DecryptionError', () => {
    const token = encryptJson(key, 1);
    for (const bad of ['', 'v1', 'v2' + token.slice(2), token + '.x', 'v1.a.b.c', 'v1.!!!.b.c', token.replace(/\.[^.]+\./, '..')]) {
      expect(() => decryptJson(key, bad)).toThrow(DecryptionError);
    }
  });

  it('never puts plaintext into the error message', () => {
    const token = encryptJson(key, 'very-secret-name');
    let caught: unknown;
    try {
      decryptJson(otherKey, token);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DecryptionError);
    expect((caught as Error).message).not.toContain('very-secret-name');
  });

  it('refuses keys that are not 32 bytes and values without a JSON form', () => {
    expect(() => encryptJson(Buffer.alloc(16), 1)).toThrow(RangeError);
    expect(() => decryptJson(Buffer.alloc(31), encryptJson(key, 1))).toThrow(RangeError);
    expect(() => encryptJson(key, undefined)).toThrow(TypeError);
    expect(() => encryptJson(key, () => 1)).toThrow(TypeError);
    expect(() => encryptJson(key, 10n)).toThrow(TypeError);
  });
});

describe('encryptBuffer / decryptBuffer', () => {
  it('round-trips binary data, including empty and large files', () => {
    for (const plain of [Buffer.alloc(0), Buffer.from('照片.jpg 𠮷', 'utf8'), randomBytes(3 * 1024 * 1024 + 7)]) {
      const blob = encryptBuffer(key, plain);
      expect(blob.length).toBe(plain.length + 29);
      expect(blob[0]).toBe(1);
      expect(decryptBuffer(key, blob).equals(plain)).toBe(true);
    }
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const blob = encryptBuffer(key, new Uint8Array([1, 2, 3]));
    const padded = Buffer.concat([Buffer.from('junk'), blob, Buffer.from('junk')]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 4, blob.length);
    expect([...decryptBuffer(key, view)]).toEqual([1, 2, 3]);
  });

  it('detects a flipped bit anywhere in the blob', () => {
    const plain = Buffer.from('evidence: 公示榜照片');
    const blob = encryptBuffer(key, plain);
    for (let i = 0; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i] ^= 0x80;
      expect(() => decryptBuffer(key, bad)).toThrow(DecryptionError);
    }
  });

  it('throws DecryptionError for a wrong key, wrong aad, truncation and unknown versions', () => {
    const blob = encryptBuffer(key, Buffer.from('abc'), 'evidence:9');
    expect(decryptBuffer(key, blob, 'evidence:9').toString()).toBe('abc');
    expect(() => decryptBuffer(otherKey, blob, 'evidence:9')).toThrow(DecryptionError);
    expect(() => decryptBuffer(key, blob, 'evidence:10')).toThrow(DecryptionError);
    expect(() => decryptBuffer(key, blob.subarray(0, blob.length - 1), 'evidence:9')).toThrow(DecryptionError);
    expect(() => decryptBuffer(key, blob.subarray(0, 20))).toThrow(DecryptionError);
    const v9 = Buffer.from(blob);
    v9[0] = 9;
    expect(() => decryptBuffer(key, v9, 'evidence:9')).toThrow(/unknown blob version/);
  });
});

describe('createEncryptStream', () => {
  async function encryptChunks(chunks: Buffer[], aad?: string): Promise<Buffer> {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      createEncryptStream(key, aad),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    return Buffer.concat(out);
  }

  it('produces a layout-2 blob that decryptBuffer opens', async () => {
    const chunks = [randomBytes(100_000), Buffer.from('中文文件名.pdf'), randomBytes(1), randomBytes(65_536)];
    const blob = await encryptChunks(chunks, 'evidence:1');
    expect(blob[0]).toBe(2);
    expect(blob.length).toBe(Buffer.concat(chunks).length + 29);
    expect(decryptBuffer(key, blob, 'evidence:1').equals(Buffer.concat(chunks))).toBe(true);
  });

  it('handles an empty stream', async () => {
    const blob = await encryptChunks([]);
    expect(blob.length).toBe(29);
    expect(decryptBuffer(key, blob)).toHaveLength(0);
  });

  it('is tamper-evident too', async () => {
    const blob = await encryptChunks([Buffer.from('hello world')]);
    const bad = Buffer.from(blob);
    bad[15] ^= 1; // inside the ciphertext
    expect(() => decryptBuffer(key, bad)).toThrow(DecryptionError);
    const badTag = Buffer.from(blob);
    badTag[badTag.length - 1] ^= 1;
    expect(() => decryptBuffer(key, badTag)).toThrow(DecryptionError);
  });

  it('refuses a bad key at once', () => {
    expect(() => createEncryptStream(Buffer.alloc(8))).toThrow(RangeError);
  });
});

describe('hmacHex / idHmac', () => {
  it('is HMAC-SHA256 in lower-case hex (RFC 4231 §4.7, test case 6)', () => {
    const rfcKey = Buffer.alloc(131, 0xaa);
    expect(hmacHex(rfcKey, 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('hashes the UTF-8 bytes and depends on the key', () => {
    const h = hmacHex(key, '王𠮷');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacHex(key, '王𠮷')).toBe(h);
    expect(hmacHex(key, '王😡')).not.toBe(h);
    expect(hmacHex(otherKey, '王𠮷')).not.toBe(h);
  });

  it('refuses short keys', () => {
    expect(() => hmacHex(Buffer.alloc(16), 'x')).toThrow(RangeError);
  });

  it('gives one hash for every spelling of one identity number', () => {
    const h = idHmac(key, '11010519491231002X');
    expect(idHmac(key, '11010519491231002x')).toBe(h);
    expect(idHmac(key, ' 110105 19491231 002X ')).toBe(h);
    expect(idHmac(key, '110105491231002')).toBe(h);
    expect(h).toBe(hmacHex(key, '11010519491231002X'));
  });

  it('throws InvalidIdNumberError for an invalid number', () => {
    expect(() => idHmac(key, '430421196803120113')).toThrow(InvalidIdNumberError);
    let caught: unknown;
    try {
      idHmac(key, '4.30421E+17');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidIdNumberError);
    expect((caught as InvalidIdNumberError).code).toBe('id_spreadsheet_damaged');
  });
});

describe('receipt codes', () => {
  it('are 16 digits, leading zeros allowed', () => {
    for (let i = 0; i < 200; i++) {
      expect(randomReceiptCode()).toMatch(/^\d{16}$/);
    }
  });

  it('use every digit in every position about equally often', () => {
    const n = 20_000;
    const counts = Array.from({ length: 16 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < n; i++) {
      const c = randomReceiptCode();
      for (let p = 0; p < 16; p++) counts[p][c.charCodeAt(p) - 48]++;
    }
    // Expected 2000 per cell; sd ≈ 42. ±300 is > 7 sd: flaky only if the generator is biased.
    for (const row of counts) for (const k of row) expect(Math.abs(k - n / 10)).toBeLessThan(300);
    expect(counts[0][0]).toBeGreaterThan(0);
  });

  it('format as 4-4-4-4', () => {
    expect(formatReceiptCode('1234567890123456')).toBe('1234-5678-9012-3456');
    expect(formatReceiptCode('0000000000000001')).toBe('0000-0000-0000-0001');
    expect(() => formatReceiptCode('123456789012345')).toThrow(RangeError);
    expect(() => formatReceiptCode('1234-5678-9012-3456')).toThrow(RangeError);
  });

  it('parse what citizens type', () => {
    const code = '0123456789012345';
    for (const input of [
      code,
      '0123-4567-8901-2345',
      '0123 4567 8901 2345',
      ' 0123  4567\t8901-2345 ',
      '０１２３－４５６７－８９０１－２３４５',
      '０１２３　４５６７　８９０１　２３４５',
      '0123—4567—8901—2345',
      '0123–4567–8901–2345',
    ]) {
      expect(parseReceiptCode(input)).toBe(code);
    }
  });

  it('reject anything else', () => {
    for (const input of ['', '012345678901234', '01234567890123456', '0123-4567-8901-234X', '0123.4567.8901.2345', '٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥']) {
      expect(parseReceiptCode(input)).toBeNull();
    }
  });

  it('round-trip through format and parse', () => {
    const c = randomReceiptCode();
    expect(parseReceiptCode(formatReceiptCode(c))).toBe(c);
  });
});
