// Tampered documents are refused with a code, never opened silently: a byte
// flipped in the prefix, the header (its signature, its tenant), the IV, the
// ciphertext or the tag; a header naming another tenant; a header or an
// EDEK from another document. Beside each, what the reference Node client
// (@ironcorelabs/tenant-security-nodejs 4.1.3, unmodified, tests only) does
// with the same bytes: ours gives its code wherever it refuses, and refuses
// too where it opens a document whose header was changed (it does not check
// the header's signature; TSP.md says a reader should). Both talk to our real
// TSP; its KMS is the AWS KMS protocol double (lib/testing/tsp-world.ts).
import { PassThrough, Readable } from 'node:stream';
import { DocumentMetadata, TenantSecurityClient, type TenantSecurityException } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSink } from '@/lib/testing/tsc-streams';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { createTenantSecurityClient, TenantSecurityError, type TEncryptedDocument, type TTenantSecurityClient } from '.';

let world: TTspWorld;
let ours: TTenantSecurityClient;
let theirs: TenantSecurityClient;
const meta = (tenantId: string) => ({ tenantId, requestingId: 'svc-tamper' });
const plaintext = Buffer.from('the tamper canary text, long enough to span two GCM blocks');

/** Our code for a refusal, or 'opened' (with a check that it opened to the right bytes). */
type TOutcome = number | 'opened';

async function outcome(open: () => Promise<{ plaintextDocument: Record<string, Buffer | undefined> }>, code: (error: unknown) => number): Promise<TOutcome> {
  try {
    const opened = await open();
    expect(opened.plaintextDocument.body?.equals(plaintext)).toBe(true);
    return 'opened';
  } catch (error) {
    return code(error);
  }
}

const ourOutcome = (document: TEncryptedDocument, tenant = 'acme') =>
  outcome(
    () => ours.decryptDocument(document, meta(tenant)),
    (error) => (expect(error).toBeInstanceOf(TenantSecurityError), (error as TenantSecurityError).code),
  );
const theirOutcome = (document: TEncryptedDocument, tenant = 'acme') =>
  outcome(
    () => theirs.decryptDocument(document, new DocumentMetadata(tenant, 'svc-tamper')),
    (error) => (error as TenantSecurityException).errorCode,
  );

/** The parts of one encrypted field, by offset. */
function layout(field: Buffer) {
  const headerLength = field.readUInt16BE(5);
  const header = 7;
  const body = header + headerLength;
  return { headerLength, sigIv: header + 2, sigTag: header + 2 + 12, tenant: body - 1, iv: body, ciphertext: body + 12, tag: field.length - 16 };
}

const flip = (field: Buffer, at: number) => {
  const copy = Buffer.from(field);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
};

/** A header written by hand (not with our encoder): the same signature, naming `tenantId`. */
function headerNaming(field: Buffer, tenantId: string): Buffer {
  const { sigIv, iv } = layout(field);
  const tenant = Buffer.from(tenantId, 'utf8');
  const shield = Buffer.concat([Buffer.from([0x0a, tenant.length]), tenant]);
  const header = Buffer.concat([Buffer.from([0x0a, 28]), field.subarray(sigIv, sigIv + 28), Buffer.from([0x1a, shield.length]), shield]);
  const prefix = Buffer.from([0x03, 0x49, 0x52, 0x4f, 0x4e, header.length >> 8, header.length & 0xff]);
  return Buffer.concat([prefix, header, field.subarray(iv)]);
}

let original: TEncryptedDocument;
let field: Buffer;
let sameTenant: TEncryptedDocument;
let otherTenant: TEncryptedDocument;

beforeAll(async () => {
  world = await startTspWorld({});
  ours = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true });
  theirs = new TenantSecurityClient(world.url, world.apiKey);
  original = await ours.encryptDocument({ body: plaintext }, meta('acme'));
  field = original.encryptedDocument.body as Buffer;
  sameTenant = await ours.encryptDocument({ body: Buffer.from('another acme document') }, meta('acme'));
  otherTenant = await ours.encryptDocument({ body: Buffer.from('a globex document') }, meta('globex'));
}, 60_000);

afterAll(async () => {
  ours?.close();
  await world?.stop();
});

describe('tampered documents', () => {
  const with_ = (bytes: Buffer, edek = original.edek): TEncryptedDocument => ({ encryptedDocument: { body: bytes }, edek });

  it('the untouched document opens with both clients (the control)', async () => {
    expect(await ourOutcome(original)).toBe('opened');
    expect(await theirOutcome(original)).toBe('opened');
  });

  // [what, the tampered document, our code, the reference's outcome, tenant asking]
  const cases: () => [string, TEncryptedDocument, number, TOutcome, string?][] = () => {
    const at = layout(field);
    const otherField = otherTenant.encryptedDocument.body as Buffer;
    return [
      ['a flipped version byte', with_(flip(field, 0)), 900, 900],
      ['a flipped byte of "IRON"', with_(flip(field, 2)), 900, 900],
      ['a flipped header length', with_(flip(field, 6)), 900, 900],
      ['a flipped byte of the header signature’s IV', with_(flip(field, at.sigIv + 3)), 902, 'opened'],
      ['a flipped byte of the header signature’s tag', with_(flip(field, at.sigTag + 5)), 902, 'opened'],
      ['a flipped byte of the header’s tenant id', with_(flip(field, at.tenant)), 902, 'opened'],
      ['a flipped protobuf tag in the header', with_(flip(field, 7)), 900, 900],
      ['a flipped byte of the IV', with_(flip(field, at.iv + 4)), 902, 902],
      ['a flipped byte of the ciphertext', with_(flip(field, at.ciphertext + 10)), 902, 902],
      ['a flipped byte of the tag', with_(flip(field, at.tag + 15)), 902, 902],
      ['a header rewritten to name another tenant', with_(headerNaming(field, 'globex')), 902, 'opened'],
      ['the header of another tenant’s document', with_(Buffer.concat([otherField.subarray(0, layout(otherField).iv), field.subarray(at.iv)])), 902, 'opened'],
      ['the EDEK (so the DEK) of another document of the same tenant', with_(field, sameTenant.edek), 902, 902],
      ['another tenant’s EDEK, asked as that tenant', with_(field, otherTenant.edek), 902, 902, 'globex'],
      ['another tenant’s EDEK, asked as this tenant', with_(field, otherTenant.edek), 203, 203],
      ['cut inside the header', with_(field.subarray(0, 20)), 900, 900],
      ['cut inside the IV and tag', with_(field.subarray(0, at.iv + 20)), 902, 902],
      ['bytes that were never encrypted', with_(Buffer.from('plain text pretending')), 900, 900],
    ];
  };

  it('each is refused with its code; the reference gives the same code wherever it refuses', async () => {
    const seen: string[] = [];
    for (const [what, document, code, reference, tenant] of cases()) {
      expect(await ourOutcome(document, tenant), what).toBe(code);
      expect(await theirOutcome(document, tenant), `reference: ${what}`).toBe(reference);
      seen.push(what);
    }
    expect(seen).toHaveLength(18);
  });

  it('a document that is not one is refused before any key use (no unwrap reaches the KMS)', async () => {
    const before = world.kms.count({ target: 'Decrypt' });
    for (const bytes of [flip(field, 0), flip(field, 7), field.subarray(0, 20)]) expect(await ourOutcome(with_(bytes))).toBe(900);
    expect(world.kms.count({ target: 'Decrypt' })).toBe(before);
    // The control: a good document does reach it.
    await ours.decryptDocument(original, meta('acme'));
    expect(world.kms.count({ target: 'Decrypt' })).toBe(before + 1);
  });

  it('a document without a header (length 0) still opens: the GCM tag alone authenticates it, as the reference reads it', async () => {
    const bare = Buffer.concat([Buffer.from([0x03, 0x49, 0x52, 0x4f, 0x4e, 0, 0]), field.subarray(layout(field).iv)]);
    expect(await ourOutcome(with_(bare))).toBe('opened');
    expect(await theirOutcome(with_(bare))).toBe('opened');
    expect(await ourOutcome(with_(flip(bare, 7 + 20)))).toBe(902);
  });
});

describe('tampered streams', () => {
  async function decrypt(bytes: Buffer, edek = original.edek) {
    const sink = hashSink();
    const error = await ours.decryptStream(edek, Readable.from([bytes.subarray(0, 30), bytes.subarray(30)]), sink, meta('acme')).then(() => undefined, (e: unknown) => e);
    return { code: (error as TenantSecurityError | undefined)?.code, bytes: sink.bytes(), destroyed: sink.destroyed };
  }

  it('the control opens; a changed header, another document’s EDEK and garbage are refused before any plaintext is written', async () => {
    expect(await decrypt(field)).toMatchObject({ code: undefined, bytes: plaintext.length });
    const at = layout(field);
    for (const bytes of [flip(field, at.tenant), flip(field, at.sigTag), headerNaming(field, 'globex')]) expect(await decrypt(bytes)).toMatchObject({ code: 902, bytes: 0 });
    expect(await decrypt(field, sameTenant.edek)).toMatchObject({ code: 902, bytes: 0 });
    expect(await decrypt(Buffer.from('plain text pretending to be a stream'))).toMatchObject({ code: 900, bytes: 0 });
  });

  it('a flipped byte of the ciphertext or tag fails the stream at its end, and the output is destroyed', async () => {
    const at = layout(field);
    for (const position of [at.iv, at.ciphertext + 3, at.tag + 15]) expect(await decrypt(flip(field, position))).toMatchObject({ code: 902, destroyed: true });
  });

  it('an EDEK the TSP refuses fails the stream with the TSP’s code', async () => {
    const output = new PassThrough();
    const error = await ours.decryptStream(otherTenant.edek, Readable.from([field]), output, meta('acme')).catch((e: unknown) => e);
    expect((error as TenantSecurityError).code).toBe(203);
  });
});
