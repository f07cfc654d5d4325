// A draft for a configuration test, sealed as the browser seals one (for
// broker tests that cannot wait for lib/crypto's sealConfigTest): the
// document signed as a compact JWS (typ cmk-config-test+jws) by the tenant
// signing key, in a JWE General JSON with protected {enc: A256GCM, cty:
// cmk-config-test+jws} to the recipients given — normally the approved
// deployments; tests pass the tenant key or leave one out to be refused.
import { GeneralEncrypt, type JWK } from 'jose';
import { utf8 } from '@/lib/crypto/encoding';
import { signCompactJws } from '@/lib/crypto/es256-jws';
import { CONFIG_ENC, CONFIG_KEY_ALG } from '@/lib/crypto/jwe-types';
import { importPublicKey, readPublicJwk } from '@/lib/crypto/p256-jwk';
import { CONFIG_TEST_CTY, type TConfigTestDocument } from '@/lib/schemas/config-tests';

export async function sealDraftForTest(input: {
  document: TConfigTestDocument;
  signingKey: CryptoKey;
  signingKid: string;
  recipients: { kid: string; publicJwk: JWK }[];
  cty?: string;
}): Promise<Record<string, unknown>> {
  const cty = input.cty ?? CONFIG_TEST_CTY;
  const jws = await signCompactJws(utf8(JSON.stringify(input.document)), input.signingKey, input.signingKid, cty);
  const keys = await Promise.all(input.recipients.map(async (r) => ({ kid: r.kid, key: await importPublicKey(readPublicJwk(r.publicJwk, 'ecdh', 'invalid_input'), 'ecdh', [], 'invalid_input') })));
  const encrypt = new GeneralEncrypt(utf8(jws)).setProtectedHeader({ enc: CONFIG_ENC, cty });
  for (const { kid, key } of keys) encrypt.addRecipient(key).setUnprotectedHeader({ alg: CONFIG_KEY_ALG, kid });
  // As sealConfig: jose puts a lone recipient's epk in the protected header, so seal twice and keep one.
  const [first] = keys;
  if (keys.length === 1 && first) encrypt.addRecipient(first.key).setUnprotectedHeader({ alg: CONFIG_KEY_ALG, kid: first.kid });
  const jwe = await encrypt.encrypt();
  jwe.recipients = jwe.recipients.slice(0, keys.length);
  return jwe as unknown as Record<string, unknown>;
}
