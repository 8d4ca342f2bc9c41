/**
 * Names of the rate limits (the first argument of `RateLimiterService.consume` / `recordGlobal`).
 * Each name is also the prefix of its counters, so two features never share a counter by accident.
 * The surge-alarm log line is the name with dashes as spaces plus " surge" (`receipt lookup surge`).
 */
export const LIMITS = {
  /** Receipt-code lookups on the follow-up page and API (config.limits.receiptTries per receiptWindowSeconds). */
  receiptLookup: 'receipt-lookup',
  /** Tip-off submissions, form and JSON (config.limits.submissions per submissionWindowSeconds). */
  submission: 'submission',
  /** Requests carrying evidence files, citizen side (config.limits.uploads per uploadWindowSeconds). */
  upload: 'evidence-upload',
  /** Failed staff logins (password or second factor) per account, and per client. */
  loginAccount: 'login-account',
  loginClient: 'login-client',
  /** CAPTCHA images from the JSON endpoint. */
  captcha: 'captcha',
} as const;

export type LimitName = (typeof LIMITS)[keyof typeof LIMITS] | (string & {});
