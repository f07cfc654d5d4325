// The Vault error table row by row, with Vault's own answers (status and
// errors text) — including those the double does not play (standbys,
// uninitialized Vaults, non-AEAD keys) — and Node's network and TLS errors.
import { describe, expect, it } from 'vitest';

import { mapVaultError } from './hashicorp-vault-transit-errors';
import { VaultHttpError } from './hashicorp-vault-transit-http';
import { KmsError, type TKmsErrorCode } from './types';

// Each text carries a canary, which must never reach a message: Vault's texts may quote the request.
const CANARY = 'canary-7f3a';
const vault = (status: number, ...errors: string[]) => new VaultHttpError(status, errors.map((e) => `${e} ${CANARY}`), 'transit/encrypt/key');
const nodeError = (code: string) => Object.assign(new Error(code), { code });

describe('mapVaultError', () => {
  it.each<[string, unknown, TKmsErrorCode]>([
    ['a locked namespace', vault(503, 'API access to this namespace has been locked by an administrator'), 'kms_account_issue'],
    ['a sealed Vault', vault(503, 'Vault is sealed'), 'kms_unreachable'],
    ['an uninitialized Vault', vault(501, 'Vault is not initialized'), 'kms_unreachable'],
    ['a standby without a leader', vault(503, 'local node not active but active cluster node not found'), 'kms_unreachable'],
    ['a DR secondary', vault(472), 'kms_unreachable'],
    ['a node not caught up', vault(412, 'required index state not present'), 'kms_unreachable'],
    ['a gateway timeout', vault(504), 'kms_unreachable'],
    ['a rate-limit quota', vault(429, 'request path "transit/encrypt/key": rate limit quota exceeded'), 'kms_throttled'],
    ['a revoked token', vault(403, '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'), 'kms_unauthorized'],
    ['a policy denial', vault(403, '1 error occurred:\n\t* permission denied\n\n'), 'kms_unauthorized'],
    ['a bad AppRole secret id', vault(400, 'invalid role or secret ID'), 'kms_unauthorized'],
    ['a retired key version', vault(400, 'ciphertext or signature version is disallowed by policy (too old)'), 'kms_unauthorized'],
    ['a missing key', vault(400, 'encryption key not found'), 'kms_config_invalid'],
    ['a signing key', vault(400, "'[0].associated_data' provided for non-AEAD cipher suite ed25519"), 'kms_config_invalid'],
    ['a wrong mount', vault(404, 'no handler for route "nowhere/encrypt/key". route entry not found.'), 'kms_config_invalid'],
    ['another tenant’s ciphertext', vault(400, 'cipher: message authentication failed'), 'kms_unwrap_failed'],
    ['a damaged ciphertext', vault(400, 'invalid ciphertext: no prefix'), 'kms_unwrap_failed'],
    ['an internal error', vault(500, 'internal error'), 'kms_wrap_failed'],
    ['an unknown 400', vault(400, 'something new'), 'kms_wrap_failed'],
    ['a refused connection', nodeError('ECONNREFUSED'), 'kms_unreachable'],
    ['every address refused', Object.assign(new AggregateError([nodeError('ECONNREFUSED')]), { code: undefined }), 'kms_unreachable'],
    ['an untrusted certificate', nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'kms_config_invalid'],
    ['a self-signed certificate', nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'kms_config_invalid'],
    ['a certificate for another host', nodeError('ERR_TLS_CERT_ALTNAME_INVALID'), 'kms_config_invalid'],
    ['an expired certificate', nodeError('CERT_HAS_EXPIRED'), 'kms_config_invalid'],
    ['anything else', new Error('boom'), 'kms_wrap_failed'],
  ])('%s', (_name, error, code) => {
    const mapped = mapVaultError(error, 'kms_wrap_failed');
    expect(mapped.code, mapped.message).toBe(code);
    expect(JSON.stringify({ message: mapped.message, cause: mapped.cause })).not.toContain(CANARY);
  });

  it('keeps a KmsError as it is', () => {
    const error = new KmsError('kms_config_invalid', 'already mapped');
    expect(mapVaultError(error, 'kms_wrap_failed')).toBe(error);
  });
});
