// Batches: one batch-wrap or batch-unwrap call per 1 000 documents (the TSP's
// bound), and a failure per document rather than for the batch — a document
// id the TSP would refuse, fields that are not bytes or not a document, a
// key the TSP refused, a tag that does not match. Each DEK is wiped as soon
// as its document is done. A refusal of the whole call (unknown tenant, API
// key) rejects the promise, as it does for one document.
import { checkFields, openDocument, parseDocument, sealDocument, withDek, type TDecryptedDocument, type TEncryptedDocument, type TPlaintextDocument } from './documents';
import type { TParsedField } from './document-format';
import { TenantSecurityError, TSC_ERROR_CODES } from './errors';
import { check, ZDocumentId } from './schemas';
import type { TTransport } from './transport';
import { commonBody, failureOf, readAnswer, readDek, ZBatchUnwrapAnswer, ZBatchWrapAnswer, type TMetadata } from './wire';

export const MAX_BATCH = 1000;

export type TBatchResult<T> = {
  successes: Record<string, T>;
  failures: Record<string, TenantSecurityError>;
  hasSuccesses: boolean;
  hasFailures: boolean;
};

type TCollect<T> = { successes: Record<string, T>; failures: Record<string, TenantSecurityError> };

function finish<T>({ successes, failures }: TCollect<T>): TBatchResult<T> {
  return { successes, failures, hasSuccesses: Object.keys(successes).length > 0, hasFailures: Object.keys(failures).length > 0 };
}

/** Runs `prepare` on each document; the ones it accepts go on, its refusals become that document's failure. */
function prepareAll<I, P>(documents: Record<string, I>, prepare: (document: I) => P, into: TCollect<unknown>): [string, P][] {
  if (typeof documents !== 'object' || documents === null) throw new TenantSecurityError(TSC_ERROR_CODES.INVALID_REQUEST_BODY, 'The batch must be an object of document id → document.');
  const ready: [string, P][] = [];
  for (const [id, document] of Object.entries(documents)) {
    try {
      check(ZDocumentId, id, 'the batch');
      ready.push([id, prepare(document)]);
    } catch (error) {
      into.failures[id] = error as TenantSecurityError;
    }
  }
  return ready;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_BATCH) out.push(items.slice(i, i + MAX_BATCH));
  return out;
}

const missing = () => new TenantSecurityError(TSC_ERROR_CODES.UNKNOWN_ERROR, 'The TSP answered neither a key nor a failure for this document.');

/** Each document of a call: its key opened with `work`, or the TSP's failure for it; a failure of `work` is that document's. */
function settle<P, K, T>(
  part: [string, P][],
  answer: { keys: Record<string, K>; failures: Record<string, { code: number; message: string }> },
  result: TCollect<T>,
  failCode: number,
  work: (key: K, prepared: P) => T,
): void {
  for (const [id, prepared] of part) {
    const key = answer.keys[id];
    const failure = answer.failures[id];
    if (key === undefined) {
      result.failures[id] = failure ? failureOf(failure) : missing();
      continue;
    }
    try {
      result.successes[id] = work(key, prepared);
    } catch (error) {
      result.failures[id] = error instanceof TenantSecurityError ? error : new TenantSecurityError(failCode, 'The document could not be processed.');
    }
  }
}

export async function encryptDocumentBatch(transport: TTransport, documents: Record<string, TPlaintextDocument>, m: TMetadata): Promise<TBatchResult<TEncryptedDocument>> {
  const result: TCollect<TEncryptedDocument> = { successes: {}, failures: {} };
  const ready = prepareAll(documents, checkFields, result);
  for (const part of chunks(ready)) {
    const route = 'document/batch-wrap';
    const answer = readAnswer(ZBatchWrapAnswer, await transport.post(route, { ...commonBody(m), documentIds: part.map(([id]) => id) }), route);
    settle(part, answer, result, TSC_ERROR_CODES.DOCUMENT_ENCRYPT_FAILED, (key, fields) => ({
      edek: key.edek,
      encryptedDocument: withDek(readDek(key.dek), (dek) => sealDocument(dek, m.tenantId, fields)),
    }));
  }
  return finish(result);
}

export async function decryptDocumentBatch(transport: TTransport, documents: Record<string, TEncryptedDocument>, m: TMetadata): Promise<TBatchResult<TDecryptedDocument>> {
  const result: TCollect<TDecryptedDocument> = { successes: {}, failures: {} };
  const ready: [string, { fields: Record<string, TParsedField>; edek: string }][] = prepareAll(documents, parseDocument, result);
  for (const part of chunks(ready)) {
    const route = 'document/batch-unwrap';
    const edeks = Object.fromEntries(part.map(([id, document]) => [id, document.edek]));
    const answer = readAnswer(ZBatchUnwrapAnswer, await transport.post(route, { ...commonBody(m), edeks }), route);
    settle(part, answer, result, TSC_ERROR_CODES.DOCUMENT_DECRYPT_FAILED, (key, { fields, edek }) => ({
      edek,
      plaintextDocument: withDek(readDek(key.dek), (dek) => openDocument(dek, fields)),
    }));
  }
  return finish(result);
}
