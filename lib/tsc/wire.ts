// API v1 as the client speaks it (TSP.md "Wire API"; lib/tsp/wire.ts is the
// server's side): the common request body built from checked metadata, and
// each answer checked before it is used. A DEK is taken out of an answer as
// a Buffer the caller wipes (fill(0)) once the document is done.
import { z } from 'zod';
import { DEK_BYTES } from './document-format';
import { TenantSecurityError, TSC_ERROR_CODES } from './errors';
import { ZDocumentMetadata } from './schemas';

export type TMetadata = z.output<typeof ZDocumentMetadata>;

/** tenantId, iclFields and customFields; optional fields are left out (the TSP also takes null). */
export function commonBody(meta: TMetadata): { tenantId: string; iclFields: Record<string, string>; customFields: Record<string, string> } {
  const { tenantId, requestingId, dataLabel, sourceIp, objectId, requestId, customFields } = meta;
  const iclFields = Object.fromEntries(Object.entries({ requestingId, dataLabel, sourceIp, objectId, requestId }).filter(([, value]) => value !== undefined)) as Record<string, string>;
  return { tenantId, iclFields, customFields: customFields ?? {} };
}

const ZBase64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const ZKey = z.object({ dek: ZBase64 });
const ZWrappedKey = z.object({ dek: ZBase64, edek: z.string().min(1) });
const ZFailure = z.object({ code: z.number().int(), message: z.string() });
const batchOf = <T extends z.ZodType>(key: T) => z.object({ keys: z.record(z.string(), key), failures: z.record(z.string(), ZFailure) });

export const ZWrapAnswer = ZWrappedKey;
export const ZUnwrapAnswer = ZKey;
export const ZBatchWrapAnswer = batchOf(ZWrappedKey);
export const ZBatchUnwrapAnswer = batchOf(ZKey);

export function readAnswer<T extends z.ZodType>(schema: T, value: unknown, route: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TenantSecurityError(TSC_ERROR_CODES.UNKNOWN_ERROR, `The TSP's answer to ${route} is not in the API v1 shape.`);
  return parsed.data;
}

/** The DEK's bytes, in a buffer of their own so that wiping it wipes nothing else. */
export function readDek(base64: string): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  const dek = Buffer.alloc(DEK_BYTES);
  const ok = bytes.length === DEK_BYTES;
  if (ok) bytes.copy(dek);
  bytes.fill(0);
  if (!ok) throw new TenantSecurityError(TSC_ERROR_CODES.UNKNOWN_ERROR, `The TSP answered a DEK that is not ${DEK_BYTES} bytes.`);
  return dek;
}

export const failureOf = (failure: z.output<typeof ZFailure>) => new TenantSecurityError(failure.code, `TSP: ${failure.message}`);
