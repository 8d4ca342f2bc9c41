import { randomInt } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet parameters (m = 19 MiB, t = 2, p = 1): strong
 * enough for staff accounts, cheap enough that a login costs tens of milliseconds, not a second.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Minimum length of a staff password, in characters (code points). */
export const MIN_PASSWORD_LENGTH = 10;
/** Upper bound, in characters, so a huge body cannot make hashing expensive. */
export const MAX_PASSWORD_LENGTH = 200;

/** argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

/** Whether `password` matches `hash`; a malformed hash answers false rather than throwing. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the time of one verification when there is no account to check against, so an unknown
 * user name takes as long to refuse as a wrong password.
 */
export async function burnVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('qingfeng-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}

/**
 * The minimum password policy for staff: at least {@link MIN_PASSWORD_LENGTH} characters (code
 * points, so 𠮷 counts once), at most {@link MAX_PASSWORD_LENGTH}, and not the user name (in any case).
 * @returns a Chinese message describing the first problem, or null when the password is acceptable.
 */
export function passwordPolicyProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `密码至少需要 ${MIN_PASSWORD_LENGTH} 个字符`;
  if (length > MAX_PASSWORD_LENGTH) return `密码不能超过 ${MAX_PASSWORD_LENGTH} 个字符`;
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) return '密码不能与用户名相同';
  return null;
}

/** Letters and digits that cannot be confused with one another when read aloud or copied by hand. */
const ONE_TIME_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';

/**
 * A random one-time password of `length` characters (default 20, about 116 bits) from an alphabet
 * without look-alikes (no 0/O, 1/l/I). Given to a new or reset account, which must change it at first login.
 */
export function randomOneTimePassword(length = 20): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ONE_TIME_ALPHABET[randomInt(ONE_TIME_ALPHABET.length)];
  return s;
}
