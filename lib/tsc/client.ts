// createTenantSecurityClient: the application's side of customer-managed
// keys. Each document gets a fresh DEK from the TSP (document/wrap), its
// fields are encrypted here in the reference's format (document-format.ts),
// and the DEK is wiped; the application stores the fields and the EDEK. To
// read, the fields are parsed first (a non-document is refused without a key
// use), the EDEK is unwrapped, each header signature and GCM tag is checked,
// and the DEK is wiped again. Results have the reference client's shapes,
// so moving from it is a change of constructor.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptDocumentBatch, encryptDocumentBatch, type TBatchResult } from './batch';
import { checkFields, openDocument, parseDocument, sealDocument, withDek, type TDecryptedDocument, type TEncryptedDocument, type TPlaintextDocument } from './documents';
import { invalidRequest, TenantSecurityError, TSC_ERROR_CODES } from './errors';
import { check, parseClientOptions, ZDocumentMetadata, ZEventMetadata, ZSecurityEvent, ZTenantId, type TClientOptions, type TDocumentMetadata, type TEventMetadata, type TSecurityEvent } from './schemas';
import { createDecryptTransform, createEncryptTransform } from './stream-crypto';
import { createTransport, type TTransport } from './transport';
import { commonBody, readAnswer, readDek, ZUnwrapAnswer, ZWrapAnswer, type TMetadata } from './wire';


export type { TDecryptedDocument, TEncryptedDocument, TPlaintextDocument };

export type TTenantSecurityClient = {
  encryptDocument(document: TPlaintextDocument, metadata: TDocumentMetadata): Promise<TEncryptedDocument>;
  decryptDocument(encrypted: TEncryptedDocument, metadata: TDocumentMetadata): Promise<TDecryptedDocument>;
  /** One batch-wrap call per 1 000 documents; a document's failure is in `failures`, the others succeed. */
  encryptDocumentBatch(documents: Record<string, TPlaintextDocument>, metadata: TDocumentMetadata): Promise<TBatchResult<TEncryptedDocument>>;
  decryptDocumentBatch(documents: Record<string, TEncryptedDocument>, metadata: TDocumentMetadata): Promise<TBatchResult<TDecryptedDocument>>;
  /** Encrypts `input` into `output` in bounded memory; resolves with the EDEK once `output` has everything. */
  encryptStream(input: Readable | NodeJS.ReadableStream, output: Writable | NodeJS.WritableStream, metadata: TDocumentMetadata): Promise<{ edek: string }>;
  /** Decrypts in bounded memory. Plaintext reaches `output` before the tag at the end is checked: on a rejection, discard what was written. */
  decryptStream(edek: string, input: Readable | NodeJS.ReadableStream, output: Writable | NodeJS.WritableStream, metadata: TDocumentMetadata): Promise<void>;
  /** The same DEK wrapped for `newTenantId`; the documents stay as they are. */
  rekey(edek: string, newTenantId: string, metadata: TDocumentMetadata): Promise<string>;
  logSecurityEvent(event: TSecurityEvent, metadata: TEventMetadata): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
};

function streamFailure(error: unknown, code: number): TenantSecurityError {
  if (error instanceof TenantSecurityError) return error;
  // The caller's own stream failed (a read or write error): say so, keep it as the cause.
  return new TenantSecurityError(code, `The stream failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

export function createTenantSecurityClient(options: TClientOptions): TTenantSecurityClient {
  const transport: TTransport = createTransport(parseClientOptions(options));
  const meta = (metadata: unknown): TMetadata => check(ZDocumentMetadata, metadata, 'metadata');

  async function wrap(m: TMetadata): Promise<{ dek: Buffer; edek: string }> {
    const answer = readAnswer(ZWrapAnswer, await transport.post('document/wrap', commonBody(m)), 'document/wrap');
    return { dek: readDek(answer.dek), edek: answer.edek };
  }

  async function unwrap(edek: string, m: TMetadata): Promise<Buffer> {
    const answer = readAnswer(ZUnwrapAnswer, await transport.post('document/unwrap', { ...commonBody(m), encryptedDocumentKey: edek }), 'document/unwrap');
    return readDek(answer.dek);
  }

  return {
    async encryptDocument(document, metadata) {
      const m = meta(metadata);
      const fields = checkFields(document);
      const { dek, edek } = await wrap(m);
      return { edek, encryptedDocument: withDek(dek, (key) => sealDocument(key, m.tenantId, fields)) };
    },

    async decryptDocument(encrypted, metadata) {
      const m = meta(metadata);
      const { fields, edek } = parseDocument(encrypted);
      const dek = await unwrap(edek, m);
      return { edek, plaintextDocument: withDek(dek, (key) => openDocument(key, fields)) };
    },

    encryptDocumentBatch: (documents, metadata) => encryptDocumentBatch(transport, documents, meta(metadata)),
    decryptDocumentBatch: (documents, metadata) => decryptDocumentBatch(transport, documents, meta(metadata)),

    async encryptStream(input, output, metadata) {
      const m = meta(metadata);
      const { dek, edek } = await wrap(m);
      try {
        await pipeline(input as Readable, createEncryptTransform(dek, m.tenantId), output as Writable);
      } catch (error) {
        throw streamFailure(error, TSC_ERROR_CODES.DOCUMENT_ENCRYPT_FAILED);
      } finally {
        dek.fill(0);
      }
      return { edek };
    },

    async decryptStream(edek, input, output, metadata) {
      const m = meta(metadata);
      if (typeof edek !== 'string' || edek.length === 0) throw invalidRequest('decryptStream needs the EDEK.');
      let dek: Buffer | undefined;
      try {
        await pipeline(input as Readable, createDecryptTransform(async () => (dek = await unwrap(edek, m))), output as Writable);
      } catch (error) {
        throw streamFailure(error, TSC_ERROR_CODES.DOCUMENT_DECRYPT_FAILED);
      } finally {
        dek?.fill(0);
      }
    },

    async rekey(edek, newTenantId, metadata) {
      const m = meta(metadata);
      const tenant = check(ZTenantId, newTenantId, 'newTenantId');
      if (typeof edek !== 'string' || edek.length === 0) throw invalidRequest('rekey needs the EDEK.');
      const answer = readAnswer(ZWrapAnswer, await transport.post('document/rekey', { ...commonBody(m), encryptedDocumentKey: edek, newTenantId: tenant }), 'document/rekey');
      // The TSP answers the DEK too; the client has no use for it.
      readDek(answer.dek).fill(0);
      return answer.edek;
    },

    async logSecurityEvent(event, metadata) {
      const name = check(ZSecurityEvent, event, 'event');
      const m = check(ZEventMetadata, metadata, 'metadata');
      const body = commonBody(m);
      await transport.post('event/security-event', { ...body, iclFields: { ...body.iclFields, event: name }, timestampMillis: m.timestampMillis ?? Date.now() });
    },

    close: () => transport.close(),
  };
}
