// Sealing a draft's settings for a configuration test, in the tenant admin's
// browser (docs/proxy-api.md "Configuration tests"): the document the tenant
// signs (ZConfigTestDocument) as a compact ES256 JWS of type
// cmk-config-test+jws, encrypted as a JWE General JSON with cty
// cmk-config-test+jws to the approved deployments' keys only — never to the
// tenant encryption key: a draft is not stored as a configuration, so nobody
// but the proxies that test it needs to read it back. The same signing and
// sealing as a configuration (./seal-config.ts), under another type, so a
// test is never accepted as a configuration nor the reverse.
import { ZConfigTestDocument, CONFIG_TEST_CTY, type TConfigTestDocument } from '@/lib/schemas/config-tests';

import { isPlainJsonObject } from './config-document';
import { CryptoError } from './errors';
import type { TGeneralJwe } from './jwe-types';
import { sealSigned, type TSealRecipient } from './seal-config';

export type TSealConfigTestInput = {
  document: TConfigTestDocument;
  signingKey: CryptoKey;
  signingKid: string;
  /** The approved deployments' keys: exactly what the broker checks the recipients against. */
  recipients: TSealRecipient[];
};

/** The test document with exactly its members, settings as plain JSON (deep copy); 'invalid_input' naming the first bad member. */
export function readConfigTestDocument(value: unknown): TConfigTestDocument {
  const parsed = ZConfigTestDocument.safeParse(value);
  if (!parsed.success) {
    // Paths only: a zod message may quote a value, and settings are secrets.
    const where = parsed.error.issues[0]?.path.map(String).join('.') ?? '';
    throw new CryptoError('invalid_input', `Configuration test document: "${where}" is missing or malformed.`);
  }
  if (!isPlainJsonObject(parsed.data.settings)) throw new CryptoError('invalid_input', 'Configuration test document: "settings" must be a plain JSON object.');
  return { ...parsed.data, settings: JSON.parse(JSON.stringify(parsed.data.settings)) as Record<string, unknown> };
}

/** Signs and seals a draft for a test; returns the JWE to send (and the inner JWS, for tests). */
export async function sealConfigTest({ document, signingKey, signingKid, recipients }: TSealConfigTestInput): Promise<{ jws: string; jwe: TGeneralJwe }> {
  const payload = readConfigTestDocument(document);
  return sealSigned({ payload, cty: CONFIG_TEST_CTY, signingKey, signingKid, recipients });
}
