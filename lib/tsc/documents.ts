// A document's fields on either side of the DEK: checking that a plaintext
// document is bytes, parsing an encrypted one (900 before any key use), and
// sealing or opening every field with one DEK, which `withDek` wipes after.
import { openField, parseField, sealField, type TParsedField } from './document-format';
import { invalidRequest } from './errors';

export type TPlaintextDocument = Record<string, Uint8Array>;
export type TEncryptedDocument = { encryptedDocument: Record<string, Buffer>; edek: string };
export type TDecryptedDocument = { plaintextDocument: Record<string, Buffer>; edek: string };

/** The fields of a plaintext document: each one bytes. */
export function checkFields(document: unknown): TPlaintextDocument {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalidRequest('The document must be an object of field name → bytes.');
  for (const [name, value] of Object.entries(document)) {
    if (!(value instanceof Uint8Array)) throw invalidRequest(`Field ${JSON.stringify(name.slice(0, 64))} is not bytes (a Buffer or Uint8Array).`);
  }
  return document as TPlaintextDocument;
}

/** Each field parsed: 900 for the first one that is not a document, before any key use. */
export function parseDocument(encrypted: unknown): { fields: Record<string, TParsedField>; edek: string } {
  const { encryptedDocument, edek } = (encrypted ?? {}) as Partial<TEncryptedDocument>;
  if (typeof edek !== 'string' || edek.length === 0) throw invalidRequest('The encrypted document has no EDEK.');
  const fields = checkFields(encryptedDocument);
  return { fields: Object.fromEntries(Object.entries(fields).map(([name, bytes]) => [name, parseField(bytes)])), edek };
}

/** Runs `work` with the DEK, then wipes it whatever happened. */
export function withDek<T>(dek: Buffer, work: (dek: Buffer) => T): T {
  try {
    return work(dek);
  } finally {
    dek.fill(0);
  }
}

export const sealDocument = (dek: Buffer, tenantId: string, fields: TPlaintextDocument) =>
  Object.fromEntries(Object.entries(fields).map(([name, plaintext]) => [name, sealField(dek, tenantId, plaintext)]));
/** All fields or none: on a failure the fields already opened are wiped. */
export function openDocument(dek: Buffer, fields: Record<string, TParsedField>): Record<string, Buffer> {
  const opened: Record<string, Buffer> = {};
  try {
    for (const [name, field] of Object.entries(fields)) opened[name] = openField(dek, field);
    return opened;
  } catch (error) {
    for (const plaintext of Object.values(opened)) plaintext.fill(0);
    throw error;
  }
}
