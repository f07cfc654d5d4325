// What the broker sends one proxy deployment (PROTOCOL.md "Proxy API"): the
// stored general JWE cut down to that deployment's recipient entry, as a
// flattened JWE. The shared members are untouched, so the digest the tenant
// state lists still matches, and the proxy never sees which other keys could
// decrypt the configuration. A draft's sealed settings for a configuration
// test are cut the same way (CONFIG_TEST_CTY): narrowing changes no
// authenticated byte, and the proxy checks the cty it expects when it opens.
import { CryptoError } from './errors';
import { CONFIG_CTY, CONFIG_TEST_CTY, readGeneralJwe, type TFlattenedJwe, type TGeneralJwe } from './jwe-types';

export { readFlattenedJwe, readGeneralJwe, type TFlattenedJwe, type TGeneralJwe } from './jwe-types';

/** The flattened JWE for the recipient `kid` (a configuration or a draft test); 'wrong_key' if the JWE is not sealed to that key. */
export function narrowJwe(jwe: TGeneralJwe, kid: string): TFlattenedJwe {
  const general = readGeneralJwe(jwe, [CONFIG_CTY, CONFIG_TEST_CTY]);
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
