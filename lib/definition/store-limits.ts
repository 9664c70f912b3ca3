// Limits of «Хранилище» (browser-safe: the step forms and the page read them too).
export const STORE_LIMITS = {
  collectionMaxChars: 100,
  keyMaxChars: 256,
  valueMaxBytes: 64 * 1024,
  /** 10 years: «no expiry» is leaving the TTL empty. */
  ttlMaxSeconds: 10 * 365 * 24 * 3600,
} as const;
