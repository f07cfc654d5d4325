// Signing and sealing a configuration in the tenant admin's browser
// (PROTOCOL.md "A configuration" 2–3): a compact ES256 JWS by the tenant signing
// key, encrypted as a JWE General JSON to the tenant encryption key and every
// approved proxy deployment key. Each recipient entry carries its kid in the
// per-recipient header so decryptors pick their entry without trying others.
import { GeneralEncrypt, type JWK } from 'jose';

import { configDigest } from './config-digest';
import { readConfigDocument, type TConfigDocument } from './config-document';
import { utf8 } from './encoding';
import { CryptoError } from './errors';
import { assertSigningKey, signCompactJws } from './es256-jws';
import {
  CONFIG_CTY,
  CONFIG_ENC,
  CONFIG_KEY_ALG,
  MAX_CONFIG_RECIPIENTS,
  readGeneralJwe,
  type TGeneralJwe,
  type TSealedCty,
} from './jwe-types';
import { importPublicKey, readPublicJwk, thumbprintOf } from './p256-jwk';

export type { TGeneralJwe } from './jwe-types';

export type TSealRecipient = { kid: string; publicJwk: JWK };

export type TSealConfigInput = {
  document: TConfigDocument;
  signingKey: CryptoKey;
  signingKid: string;
  recipients: TSealRecipient[];
};

async function readRecipients(recipients: unknown): Promise<{ kid: string; key: CryptoKey }[]> {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new CryptoError('invalid_input', 'A configuration needs at least one recipient.');
  }
  if (recipients.length > MAX_CONFIG_RECIPIENTS) {
    throw new CryptoError('invalid_input', `A configuration can have at most ${MAX_CONFIG_RECIPIENTS} recipients.`);
  }
  const out: { kid: string; key: CryptoKey }[] = [];
  const seen = new Set<string>();
  for (const recipient of recipients as unknown[]) {
    const { kid, publicJwk } = (recipient ?? {}) as Partial<TSealRecipient>;
    const members = readPublicJwk(publicJwk, 'ecdh', 'invalid_input');
    // Recomputed: a kid that is not the key's thumbprint would route the entry to the wrong decryptor.
    const thumbprint = await thumbprintOf(members);
    if (kid !== thumbprint || (publicJwk?.kid !== undefined && publicJwk.kid !== thumbprint)) {
      throw new CryptoError('invalid_input', 'A recipient kid is not the thumbprint of its public key.');
    }
    if (seen.has(thumbprint)) throw new CryptoError('invalid_input', 'The same recipient key is listed twice.');
    seen.add(thumbprint);
    out.push({ kid: thumbprint, key: await importPublicKey(members, 'ecdh', [], 'invalid_input') });
  }
  return out;
}

/**
 * Signs `payload` as a compact JWS of type `cty` and seals it to every
 * recipient, as a JWE General JSON with protected {enc, cty}: a configuration
 * (sealConfig) or a draft's settings for a configuration test (sealConfigTest).
 */
export async function sealSigned({
  payload,
  cty,
  signingKey,
  signingKid,
  recipients,
}: {
  payload: Record<string, unknown>;
  cty: TSealedCty;
  signingKey: CryptoKey;
  signingKid: string;
  recipients: TSealRecipient[];
}): Promise<{ jws: string; jwe: TGeneralJwe }> {
  assertSigningKey(signingKey, signingKid);
  const keys = await readRecipients(recipients);

  const jws = await signCompactJws(utf8(JSON.stringify(payload)), signingKey, signingKid, cty);

  const encrypt = new GeneralEncrypt(utf8(jws)).setProtectedHeader({ enc: CONFIG_ENC, cty });
  for (const { kid, key } of keys) encrypt.addRecipient(key).setUnprotectedHeader({ alg: CONFIG_KEY_ALG, kid });
  // jose writes a lone recipient's "epk" into the *protected* header (as for a
  // flattened JWE), which would make the shared part recipient-specific. With
  // two or more recipients every epk goes into its per-recipient header, so a
  // lone recipient is encrypted to twice and the duplicate entry dropped.
  const [first] = keys;
  if (keys.length === 1 && first) {
    encrypt.addRecipient(first.key).setUnprotectedHeader({ alg: CONFIG_KEY_ALG, kid: first.kid });
  }

  let raw: Awaited<ReturnType<GeneralEncrypt['encrypt']>>;
  try {
    raw = await encrypt.encrypt();
  } catch (cause) {
    throw new CryptoError('invalid_input', 'The configuration could not be encrypted.', { cause });
  }
  raw.recipients = raw.recipients.slice(0, keys.length);
  // What we hand out is exactly what every reader accepts.
  return { jws, jwe: readGeneralJwe(raw, [cty]) };
}

/**
 * Signs the document and seals it to every recipient. Returns the general JWE
 * (what the broker stores), its digest (what the tenant state lists) and the
 * inner compact JWS (for tests; callers send only the JWE).
 *
 * The signing kid cannot be checked against a non-extractable private key;
 * pass the kid that came with it (TImportedTenantKeys.signingKid).
 */
export async function sealConfig({
  document,
  signingKey,
  signingKid,
  recipients,
}: TSealConfigInput): Promise<{ jws: string; jwe: TGeneralJwe; digest: string }> {
  const doc = readConfigDocument(document);
  const { jws, jwe } = await sealSigned({ payload: doc, cty: CONFIG_CTY, signingKey, signingKid, recipients });
  return { jws, jwe, digest: await configDigest(jwe) };
}
