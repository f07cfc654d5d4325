// The one error type of lib/crypto. Callers branch on `code`, never on the
// message or on the underlying DOMException/jose error, so a failure reads the
// same in every browser and in Node.
export type TCryptoErrorCode =
  // The caller handed over something malformed (bad base64url, bad JSON, not a P-256 JWK …).
  | 'invalid_input'
  // Authentication failed or the authenticated content is not what was expected:
  // wrong passphrase, wrong key, wrong tenant or context, tampering. Deliberately
  // one code, so a caller cannot (and an attacker learns nothing from) telling them apart.
  | 'decrypt_failed'
  // The blob names a different key (kid) than the one the caller holds.
  | 'wrong_key'
  // A version, type or algorithm this code does not accept.
  | 'unsupported'
  // A signed statement outside its validity window (a delivery bundle past its
  // `exp`, or issued in the future beyond the allowed clock skew).
  | 'expired';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: TCryptoErrorCode;
  /**
   * Which step of a multi-step check failed (e.g. openConfig's 'decrypt' or
   * 'signature'), for callers that must report the step — a proxy's status
   * codes. The `code` stays deliberately coarse.
   */
  readonly check: string | undefined;

  constructor(code: TCryptoErrorCode, message: string, options?: { cause?: unknown; check?: string }) {
    super(message, options);
    this.code = code;
    this.check = options?.check;
  }
}
