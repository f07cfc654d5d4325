// What the broker sends one proxy deployment (PROTOCOL.md "Proxy API"): the
// stored general JWE cut down to that deployment's recipient entry, as a
// flattened JWE. The shared members are untouched, so the digest the tenant
// state lists still matches, and the proxy never sees which other keys could
// decrypt the configuration.
import { CryptoError } from './errors';
import { readGeneralJwe, type TFlattenedJwe, type TGeneralJwe } from './jwe-types';

export { readFlattenedJwe, readGeneralJwe, type TFlattenedJwe, type TGeneralJwe } from './jwe-types';

/**
 * The flattened JWE for the recipient `kid`; 'wrong_key' if the JWE is not sealed to that key.
 * `cty`: the protected header's content type (a configuration by default; a draft under test passes its own).
 */
export function narrowJwe(jwe: TGeneralJwe, kid: string, cty?: string): TFlattenedJwe {
  const general = readGeneralJwe(jwe, cty);
  if (typeof kid !== 'string' || kid === '') throw new CryptoError('invalid_input', 'Expected a recipient kid.');
  const recipient = general.recipients.find((r) => r.header.kid === kid);
  if (!recipient) throw new CryptoError('wrong_key', 'The configuration is not sealed to this key.');
  return {
    protected: general.protected,
    iv: general.iv,
    ciphertext: general.ciphertext,
    tag: general.tag,
    header: recipient.header,
    encrypted_key: recipient.encrypted_key,
  };
}
