// What the fault tests of the TSP fleet (broker down, restart, replicas,
// soak) share: an application's API v1 call, a Prometheus reading from the
// health port, and a look inside an EDEK at its leased-key fields. Takes the
// TSP as `{ url, apiKey }` (a world or one of its instances): code under
// lib/tsp imports nothing of lib/testing unless it is a test file.
import { decodeEdek } from '@/lib/tsp/edek';

/** Where an application reaches a TSP: tsp-world's world and its instances fit. */
export type TTarget = { url: string; apiKey: string };

export type TAnswer = {
  status: number;
  json: { code?: number; message?: string; dek?: string; edek?: string; keys?: Record<string, { dek: string; edek?: string }>; failures?: Record<string, { code: number; message: string }> } | null;
  retryAfter: string | null;
};

/** The body every key request carries; `extra` adds the route's own fields. */
export const keyBody = (tenantId: string, extra: Record<string, unknown> = {}, requestId?: string) =>
  JSON.stringify({ tenantId, iclFields: { requestingId: 'fault-test', ...(requestId ? { requestId } : {}) }, customFields: {}, ...extra });

export async function call(at: TTarget, route: string, payload: string): Promise<TAnswer> {
  const response = await fetch(`${at.url}/api/1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `cmk ${at.apiKey}` }, body: payload });
  return { status: response.status, json: (await response.json()) as TAnswer['json'], retryAfter: response.headers.get('retry-after') };
}

export const wrap = (at: TTarget, tenantId: string) => call(at, 'document/wrap', keyBody(tenantId));
export const unwrap = (at: TTarget, tenantId: string, edek: string) => call(at, 'document/unwrap', keyBody(tenantId, { encryptedDocumentKey: edek }));

/** A wrap that must succeed: its DEK and EDEK. */
export async function wrapOk(at: TTarget, tenantId: string): Promise<{ dek: string; edek: string }> {
  const answer = await wrap(at, tenantId);
  if (answer.status !== 200 || !answer.json?.dek || !answer.json.edek) throw new Error(`wrap for ${tenantId} answered ${answer.status} ${JSON.stringify(answer.json)}`);
  return { dek: answer.json.dek, edek: answer.json.edek };
}

/** The sum of a metric's samples (every label set), or undefined when the instance does not export it. */
export async function metric(healthUrl: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  const pattern = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  let sum: number | undefined;
  for (const [, labelText = '', value] of text.matchAll(pattern)) {
    if (labels && !labelText.includes(labels)) continue;
    sum = (sum ?? 0) + Number(value);
  }
  return sum;
}

/** An EDEK's leased-key fields (3–5): all set on an EDEK made with a leased key. */
export function leasedFields(edek: string): { leasedKeyId: number; ivBytes: number; leaseBytes: number } {
  const [entry] = decodeEdek(edek);
  if (!entry) throw new Error('an EDEK with no entry');
  return { leasedKeyId: entry.leasedKeyId, ivBytes: entry.leasedKeyIv.length, leaseBytes: entry.encryptedLeasedKeyData.length };
}

/** Fails, naming what is missing, unless the EDEK was made with a leased key (lib/tsp/lease.ts, issue 24). */
export function expectLeased(edek: string): number {
  const fields = leasedFields(edek);
  if (fields.leasedKeyId === 0 || fields.ivBytes !== 12 || fields.leaseBytes === 0) {
    throw new Error(`expected a leased EDEK (fields 3–5 set: leasedKeyId ≠ 0, a 12-byte leasedKeyIv, encryptedLeasedKeyData) but got ${JSON.stringify(fields)}: leasing (lib/tsp/lease.ts) is not in this TSP`);
  }
  return fields.leasedKeyId;
}
