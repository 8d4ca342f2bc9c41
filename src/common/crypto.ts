/**
 * Encryption at rest, keyed hashes and receipt codes (DESIGN.md §2–§3).
 *
 * - AES-256-GCM (node:crypto) with a fresh random 96-bit IV per message (NIST SP 800-38D §8.2.2)
 *   and a 128-bit tag. An optional `aad` string (associated data, e.g. `reporter:<reportId>`) binds a
 *   ciphertext to its place, so a value copied into another row or column fails to decrypt.
 * - HMAC-SHA256 for lookups of values stored only as a hash (receipt codes, ID numbers).
 * - Receipt codes: 16 decimal digits from `crypto.randomInt` (≈53 bits).
 *
 * Keys are `Buffer`s of 32 bytes (see `Secrets` in src/config/app-config.ts).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  randomInt,
  type CipherGCM,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidIdNumberError, normaliseIdNumber } from './id-number.js';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const TEXT_VERSION = 'v1';
/** Binary layout 1: version | iv | tag | ciphertext (whole buffer known up front). */
const BINARY_V1 = 0x01;
/** Binary layout 2: version | iv | ciphertext | tag (written by `createEncryptStream`). */
const BINARY_V2 = 0x02;
const BINARY_HEADER_BYTES = 1 + IV_BYTES;
const MIN_HMAC_KEY_BYTES = 32;

/**
 * A ciphertext could not be opened: it was altered, it is not in a known format, or the key or the
 * associated data differ from those used to encrypt it. The message never contains plaintext.
 */
export class DecryptionError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`decryption failed: ${reason}`, options);
    this.name = 'DecryptionError';
  }
}

/**
 * Encrypts a JSON-serialisable value to a compact text token for a `text`/`varchar` column.
 *
 * Output: `v1.<iv>.<tag>.<ciphertext>`, each part base64url without padding (12-byte IV, 16-byte tag,
 * ciphertext of the UTF-8 JSON). Same value twice ⇒ different tokens (random IV).
 * @param key 32-byte AES-256 key.
 * @param aad optional associated data that must be given again to decrypt.
 * @throws RangeError for a key that is not 32 bytes; TypeError when `value` has no JSON form
 *   (`undefined`, a function, a symbol) or cannot be serialised (BigInt, cycles).
 */
export function encryptJson(key: Buffer, value: unknown, aad?: string): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) {
    throw new TypeError('encryptJson: value has no JSON representation');
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = newCipher(key, iv, aad);
  const ciphertext = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [TEXT_VERSION, b64(iv), b64(tag), b64(ciphertext)].join('.');
}

/**
 * Decrypts a token made by `encryptJson` and parses the JSON.
 *
 * The type parameter is a promise of the caller, not a check: validate the shape where it matters.
 * @throws DecryptionError when the token is malformed, was altered, or the key or `aad` is wrong;
 *   RangeError for a key that is not 32 bytes.
 */
export function decryptJson<T = unknown>(key: Buffer, token: string, aad?: string): T {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== TEXT_VERSION) {
    throw new DecryptionError('not a v1 token');
  }
  const [iv, tag, ciphertext] = parts.slice(1).map(fromB64);
  if (!iv || !tag || !ciphertext || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new DecryptionError('malformed v1 token');
  }
  const plain = open(key, iv, tag, ciphertext, aad);
  try {
    return JSON.parse(plain.toString('utf8')) as T;
  } catch (cause) {
    throw new DecryptionError('plaintext is not JSON', { cause });
  }
}

/**
 * Encrypts a whole file or blob.
 *
 * Output layout (version 1): `0x01` | 12-byte IV | 16-byte tag | ciphertext — 29 bytes longer than
 * the input.
 * @throws RangeError for a key that is not 32 bytes.
 */
export function encryptBuffer(key: Buffer, plaintext: Uint8Array, aad?: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = newCipher(key, iv, aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([BINARY_V1]), iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * Decrypts a blob made by `encryptBuffer` (layout 1) or by `createEncryptStream` (layout 2).
 *
 * Whole-buffer only, on purpose: GCM authenticates at the end, so a streaming decrypter would hand
 * out plaintext that may still turn out to be forged.
 * @throws DecryptionError when the blob is malformed, was altered, or the key or `aad` is wrong;
 *   RangeError for a key that is not 32 bytes.
 */
export function decryptBuffer(key: Buffer, blob: Uint8Array, aad?: string): Buffer {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < BINARY_HEADER_BYTES + TAG_BYTES) {
    throw new DecryptionError('blob too short');
  }
  const iv = data.subarray(1, BINARY_HEADER_BYTES);
  switch (data[0]) {
    case BINARY_V1:
      return open(
        key,
        iv,
        data.subarray(BINARY_HEADER_BYTES, BINARY_HEADER_BYTES + TAG_BYTES),
        data.subarray(BINARY_HEADER_BYTES + TAG_BYTES),
        aad,
      );
    case BINARY_V2:
      return open(
        key,
        iv,
        data.subarray(data.length - TAG_BYTES),
        data.subarray(BINARY_HEADER_BYTES, data.length - TAG_BYTES),
        aad,
      );
    default:
      throw new DecryptionError(`unknown blob version ${data[0]}`);
  }
}

/**
 * A Transform stream that encrypts what is written to it, for files too large to hold in memory.
 *
 * Output layout (version 2): `0x02` | 12-byte IV | ciphertext | 16-byte tag (the tag is known only
 * at the end). Read it back with `decryptBuffer`.
 * @throws RangeError (synchronously) for a key that is not 32 bytes.
 */
export function createEncryptStream(key: Buffer, aad?: string): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = newCipher(key, iv, aad);
  let headerSent = false;
  const sendHeader = (stream: Transform): void => {
    if (!headerSent) {
      stream.push(Buffer.concat([Buffer.from([BINARY_V2]), iv]));
      headerSent = true;
    }
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        sendHeader(this);
        callback(null, cipher.update(chunk));
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        sendHeader(this);
        const last = cipher.final();
        callback(null, Buffer.concat([last, cipher.getAuthTag()]));
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/**
 * HMAC-SHA256 of the UTF-8 bytes of `value`, as 64 lower-case hex characters (store hashes in
 * lower case: MySQL/SQLite collations then agree — STACK.md).
 * @throws RangeError for a key shorter than 32 bytes.
 */
export function hmacHex(key: Buffer, value: string): string {
  if (!Buffer.isBuffer(key) || key.length < MIN_HMAC_KEY_BYTES) {
    throw new RangeError(`HMAC key must be at least ${MIN_HMAC_KEY_BYTES} bytes`);
  }
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/**
 * The system-wide lookup hash of a citizen identity number (`Person.idHmac`, DESIGN.md §2):
 * `hmacHex(key, normalised)` where `normalised` is the 18-character form from `normaliseIdNumber`,
 * so `x`/`X`, spaces and 15-digit legacy forms of one number meet on one hash.
 * @throws InvalidIdNumberError (with `code` and a Chinese `userMessage`) when the number is invalid;
 *   RangeError for a key shorter than 32 bytes.
 */
export function idHmac(key: Buffer, idNumber: string): string {
  const r = normaliseIdNumber(idNumber);
  if (!r.ok) throw new InvalidIdNumberError(r);
  return hmacHex(key, r.normalised);
}

/** Number of digits in a receipt code (查询码, DESIGN.md §3). */
export const RECEIPT_CODE_DIGITS = 16;

/**
 * A new receipt code: 16 decimal digits, each uniform from `crypto.randomInt` (a leading 0 is
 * possible — keep it a string). Shown once to the citizen; store only `hmacHex(receiptKey, code)`.
 */
export function randomReceiptCode(): string {
  let code = '';
  for (let i = 0; i < RECEIPT_CODE_DIGITS; i++) code += String(randomInt(10));
  return code;
}

/**
 * Groups a receipt code for display: `1234567890123456` → `1234-5678-9012-3456`.
 * @throws RangeError when `code` is not exactly 16 ASCII digits.
 */
export function formatReceiptCode(code: string): string {
  if (!/^\d{16}$/.test(code)) throw new RangeError('a receipt code is 16 digits');
  return code.match(/\d{4}/g)!.join('-');
}

/**
 * Reads a receipt code as a citizen types it: spaces (incl. full-width), dashes of any kind and
 * full-width digits (０–９) are accepted. Returns the 16 ASCII digits, or `null` for anything else.
 */
export function parseReceiptCode(input: string): string | null {
  // NFKC folds full-width digits, full-width space and the full-width hyphen to ASCII.
  const s = input.normalize('NFKC').replace(/[\s\-\u2010-\u2015\u2212\u30fc]/g, '');
  return /^\d{16}$/.test(s) ? s : null;
}

// ---------------------------------------------------------------------------------------------

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new RangeError(`AES-256-GCM key must be ${KEY_BYTES} bytes`);
  }
}

function newCipher(key: Buffer, iv: Buffer, aad: string | undefined): CipherGCM {
  checkKey(key);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  return cipher;
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: string | undefined): Buffer {
  checkKey(key);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    throw new DecryptionError('authentication failed (altered data, wrong key or wrong associated data)', { cause });
  }
}

function b64(buf: Buffer): string {
  return buf.toString('base64url');
}

function fromB64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  return Buffer.from(s, 'base64url');
}
