import 'server-only';
// Record ids and one-time tokens. Ids are random (not sequential) so they
// reveal nothing about volume or order; tokens are stored only as hashes.
import { createHash, randomBytes } from 'node:crypto';

export type IdPrefix = 'usr' | 'ses' | 'ten' | 'adm' | 'inv' | 'env' | 'kit' | 'mfa' | 'mail' | 'dep' | 'dak' | 'vat' | 'aud' | 'acp';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** 256-bit single-use token for links (invitations, setup). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
