import { decryptJson, encryptJson, DecryptionError } from '../common/crypto.js';

/** How long a follow-up page may be used to reply after the code was entered (seconds). */
export const FOLLOWUP_TOKEN_SECONDS = 30 * 60;
const AAD = 'qingfeng:followup-token';

/**
 * The follow-up page keeps the report server-side between the status page and the reply: the form
 * carries an opaque, short-lived token (AES-256-GCM of `{ r: reportId, e: expiry epoch s }`), never the
 * receipt code itself. The token reveals nothing (not even the internal id) and cannot be forged.
 */
export function issueFollowupToken(key: Buffer, reportId: number, now = Date.now()): string {
  return encryptJson(key, { r: reportId, e: Math.floor(now / 1000) + FOLLOWUP_TOKEN_SECONDS }, AAD);
}

/** The report id of a valid, unexpired token, or null. */
export function readFollowupToken(key: Buffer, token: unknown, now = Date.now()): number | null {
  if (typeof token !== 'string' || token.length > 300) return null;
  try {
    const v = decryptJson<{ r?: unknown; e?: unknown }>(key, token, AAD);
    if (typeof v.r !== 'number' || !Number.isInteger(v.r) || typeof v.e !== 'number') return null;
    return v.e * 1000 >= now ? v.r : null;
  } catch (e) {
    if (e instanceof DecryptionError) return null;
    throw e;
  }
}
