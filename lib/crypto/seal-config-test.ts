// Signing and sealing a draft configuration for a test, in the tenant admin's
// browser (docs/proxy-api.md "Configuration tests"): a compact ES256 JWS of a
// ZConfigTestDocument by the tenant signing key, typ cmk-config-test+jws,
// encrypted as a JWE General JSON (cty cmk-config-test+jws) to the approved
// deployments' keys only — never the tenant's own: a draft is not kept. The
// distinct typ/cty means a test is never accepted as a configuration, nor the
// reverse. Same sealing as sealConfig (seal-config.ts), another document.
import { CONFIG_TEST_CTY, ZConfigTestDocument, type TConfigTestDocument } from '@/lib/schemas/config-tests';
import { utf8 } from './encoding';
import { CryptoError } from './errors';
import { assertSigningKey, signCompactJws } from './es256-jws';
import { encryptToRecipients, readRecipients, type TGeneralJwe, type TSealRecipient } from './seal-config';

export type TSealConfigTestInput = { document: TConfigTestDocument; signingKey: CryptoKey; signingKid: string; recipients: TSealRecipient[] };

export async function sealConfigTest({ document, signingKey, signingKid, recipients }: TSealConfigTestInput): Promise<{ jws: string; jwe: TGeneralJwe }> {
  const parsed = ZConfigTestDocument.safeParse(document);
  if (!parsed.success) throw new CryptoError('invalid_input', 'The configuration test document is not valid.');
  assertSigningKey(signingKey, signingKid);
  const keys = await readRecipients(recipients);
  const jws = await signCompactJws(utf8(JSON.stringify(parsed.data)), signingKey, signingKid, CONFIG_TEST_CTY);
  return { jws, jwe: await encryptToRecipients(jws, keys, CONFIG_TEST_CTY) };
}
