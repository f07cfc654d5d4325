// The HashiCorp Vault Transit driver: wraps and unwraps DEKs with the transit
// secrets engine's encrypt and decrypt (POST /v1/{mount}/encrypt/{key},
// /v1/{mount}/decrypt/{key}: developer.hashicorp.com/vault/api-docs/secret/transit)
// on the tenant's key, in its Enterprise namespace if any, signed in with a
// token or AppRole (./hashicorp-vault-transit-auth). The EDEK's KMS part is
// Vault's ciphertext string as is, "vault:v<N>:…": it names the key version,
// so a key the tenant rotates keeps decrypting older EDEKs until it raises
// min_decryption_version.
//
// Tenant binding: every call carries the binding twice, so that a
// ciphertext replayed for another tenant (or, for a tenant secret, another
// secretPath or tenantSecretId) never opens. The bound text is the tenant id
// alone without context, as always, else the canonical JSON of the tenant and
// the context's pairs (binding.ts, bindingText) —
//   - `associated_data` (Vault ≥ 1.13, CHANGELOG GH-17638): the AES-GCM AAD of
//     the usual non-derived aes256-gcm96 key;
//   - `context`: the key-derivation context of a key created with derived=true
//     (Vault ignores it for a non-derived key).
// A Vault older than 1.13 ignores associated_data and says so in `warnings`
// ("Endpoint ignored these unrecognized parameters"); the driver then refuses
// rather than wrap without the binding.
import { type THashicorpVaultTransitSettings, ZHashicorpVaultTransitSettings } from '@/lib/schemas/providers/hashicorp-vault-transit';

import { bindingText } from './binding';
import { DEFAULT_TIMEOUT_MS, withDeadline } from './deadline';
import { createVaultAuth } from './hashicorp-vault-transit-auth';
import { mapVaultError } from './hashicorp-vault-transit-errors';
import { createVaultHttp, VaultHttpError } from './hashicorp-vault-transit-http';
import { defineKmsDriver, KmsError, type TKmsBinding, type TKmsDriver, type TKmsDriverOptions } from './types';

/** Vault's ciphertext for AEAD keys: vault:v<version>:<base64 of nonce ‖ ciphertext ‖ tag>. */
const CIPHERTEXT = /^vault:v[1-9]\d{0,9}:[A-Za-z0-9+/]+={0,2}$/;
const MAX_CIPHERTEXT_CHARS = 4096;

type TOperation = 'encrypt' | 'decrypt';

const b64 = (bytes: Uint8Array | string) => Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');

function createVaultTransitDriver(settings: THashicorpVaultTransitSettings, options: TKmsDriverOptions): TKmsDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const http = createVaultHttp({ address: settings.address, namespace: settings.namespace, caPem: settings.caCertificate });
  const auth = createVaultAuth(settings, http);
  const keyPath = (operation: TOperation) => `${settings.mountPath}/${operation}/${encodeURIComponent(settings.keyName)}`;
  let closed = false;

  async function transit(operation: TOperation, body: Record<string, string>, binding: TKmsBinding, signal: AbortSignal | undefined) {
    const failed = operation === 'encrypt' ? 'kms_wrap_failed' : 'kms_unwrap_failed';
    if (closed) throw new KmsError('kms_unreachable', 'The HashiCorp Vault driver is closed.');
    const text = b64(bindingText(binding, failed));
    const bound = { ...body, context: text, associated_data: text };
    try {
      return await withDeadline('HashiCorp Vault', timeoutMs, signal, async (abortSignal) => {
        let session = await auth.session(abortSignal);
        const call = () => http.call({ method: 'POST', path: keyPath(operation), token: session.token, body: bound }, abortSignal);
        let answer: Record<string, unknown>;
        try {
          answer = await call();
        } catch (error) {
          // A token that Vault stopped accepting (revoked, expired early): one fresh AppRole login, then the answer stands.
          const fresh = error instanceof VaultHttpError && error.status === 403 ? await auth.recover(session, error, abortSignal) : undefined;
          if (!fresh) throw error;
          session = fresh;
          answer = await call();
        }
        session.fine = true;
        const warnings = Array.isArray(answer.warnings) ? answer.warnings.filter((w): w is string => typeof w === 'string') : [];
        if (warnings.some((w) => /unrecognized parameters.*associated_data/i.test(w))) {
          throw new KmsError('kms_config_invalid', 'HashiCorp Vault ignored the tenant binding (associated_data): upgrade Vault to 1.13 or later.');
        }
        return (answer.data ?? {}) as Record<string, unknown>;
      });
    } catch (error) {
      throw mapVaultError(error, failed);
    }
  }

  return {
    provider: 'hashicorp-vault-transit',
    async wrap(dek, binding, signal) {
      const data = await transit('encrypt', { plaintext: b64(dek) }, binding, signal);
      const ciphertext = data.ciphertext;
      if (typeof ciphertext !== 'string' || !CIPHERTEXT.test(ciphertext)) throw new KmsError('kms_wrap_failed', 'HashiCorp Vault answered encrypt without a transit ciphertext.');
      return new Uint8Array(Buffer.from(ciphertext, 'utf8'));
    },
    async unwrap(encrypted, binding, signal) {
      const ciphertext = Buffer.from(encrypted).toString('utf8');
      // Checked here so that bytes of another KMS never reach Vault (nor its audit log).
      if (ciphertext.length > MAX_CIPHERTEXT_CHARS || !CIPHERTEXT.test(ciphertext)) {
        throw new KmsError('kms_unwrap_failed', 'The EDEK does not hold a Vault transit ciphertext (vault:v<N>:…).');
      }
      const data = await transit('decrypt', { ciphertext }, binding, signal);
      const plaintext = typeof data.plaintext === 'string' ? Buffer.from(data.plaintext, 'base64') : undefined;
      if (!plaintext?.length) throw new KmsError('kms_unwrap_failed', 'HashiCorp Vault answered decrypt without a plaintext.');
      return new Uint8Array(plaintext);
    },
    close() {
      closed = true;
      http.close();
    },
  };
}

export const hashicorpVaultTransitDriver = defineKmsDriver({ provider: 'hashicorp-vault-transit', schema: ZHashicorpVaultTransitSettings, create: createVaultTransitDriver });
