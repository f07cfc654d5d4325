// Tries the demo's Tenant Security Proxy as an application would: asks it for
// a data key as tenant acme, encrypts a short document with it (AES-256-GCM,
// here in this process), forgets the key, asks the TSP to unwrap the stored
// EDEK, decrypts, and prints the SIEM events the tenant received for these
// two key uses, in each of its SIEMs (from the demo's Splunk, Datadog and
// Elastic doubles: DATA_DIR/demo/siem-events.jsonl).
//   npm run tsp:try [-- --tenant acme --text "…" --env-file data/demo/tsp.env]
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'acme' },
    text: { type: 'string', default: 'Quarterly numbers: strictly confidential.' },
    'env-file': { type: 'string', default: path.join(process.env.DATA_DIR ?? 'data', 'demo', 'tsp.env') },
  },
});
const envFile = values['env-file'];
if (!existsSync(envFile)) {
  console.error(`No ${envFile}: start the broker with demo data first (npm start), then the TSP (npm run tsp -- --credentials data/demo/proxy-credentials.json --env-file ${envFile}).`);
  process.exit(2);
}
process.loadEnvFile(envFile);
const base = `http://127.0.0.1:${process.env.TSP_PORT ?? '7777'}/api/1`;
const eventsFile = path.join(path.dirname(envFile), 'siem-events.jsonl');
const requestId = randomUUID();
const metadata = { tenantId: values.tenant, iclFields: { requestingId: 'tsp-try', dataLabel: 'demo', requestId }, customFields: { script: 'npm run tsp:try' } };

async function call(route: string, extra: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const response = await fetch(`${base}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `cmk ${process.env.TSP_API_KEY}` },
    body: JSON.stringify({ ...metadata, ...extra }),
  }).catch((e: unknown) => {
    console.error(`The TSP does not answer at ${base} (${(e as Error).message}). Is it running? npm run tsp -- --credentials data/demo/proxy-credentials.json --env-file ${envFile}`);
    process.exit(1);
  });
  const body = (await response.json()) as Record<string, string> & { code?: number; message?: string };
  if (!response.ok) {
    console.error(`${route}: HTTP ${response.status}, code ${body.code}: ${body.message}`);
    process.exit(1);
  }
  return body;
}

const seenBefore = existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).length : 0;

const wrapped = await call('document/wrap');
const dek = Buffer.from(wrapped.dek as string, 'base64');
const iv = randomBytes(12);
const cipher = createCipheriv('aes-256-gcm', dek, iv);
const ciphertext = Buffer.concat([iv, cipher.update(values.text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
dek.fill(0);
console.log(`Encrypted as ${values.tenant}: ${ciphertext.length} bytes of ciphertext; stored with the EDEK (${Buffer.from(wrapped.edek as string, 'base64').length} bytes), the DEK forgotten.`);

const unwrapped = await call('document/unwrap', { encryptedDocumentKey: wrapped.edek });
const key = Buffer.from(unwrapped.dek as string, 'base64');
const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(0, 12));
decipher.setAuthTag(ciphertext.subarray(-16));
const plaintext = Buffer.concat([decipher.update(ciphertext.subarray(12, -16)), decipher.final()]).toString('utf8');
console.log(`Decrypted: ${JSON.stringify(plaintext)}`);

// The TSP batches SIEM events (≤ 250 ms) and the demo doubles' events are written to the file every 250 ms.
// Each line is {"siem":<provider>,"event":<event>}; a demo from before the other SIEM doubles wrote Splunk's bare events.
type TEvent = { event?: unknown; iclFields?: { requestId?: string } };
const SIEM_NAMES: Record<string, string> = { 'splunk-hec': 'Splunk HEC', datadog: 'Datadog Logs', elastic: 'Elasticsearch' };
function mySiemEvents(): Map<string, TEvent[]> {
  const bySiem = new Map<string, TEvent[]>();
  const lines = existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).slice(seenBefore) : [];
  for (const line of lines) {
    const parsed = JSON.parse(line) as TEvent & { siem?: string };
    const [siem, event] = typeof parsed.event === 'object' && parsed.event !== null ? [parsed.siem ?? 'splunk-hec', parsed.event as TEvent] : ['splunk-hec', parsed];
    if (event.iclFields?.requestId === requestId) bySiem.set(siem, [...(bySiem.get(siem) ?? []), event]);
  }
  return bySiem;
}
console.log(`\nWhat tenant ${values.tenant} sees in its SIEMs (the demo's doubles):`);
// Done when every SIEM that got events has both, and nothing new came for a while (a tenant may have several SIEMs).
const deadline = Date.now() + 5_000;
let last = '';
let quietSince = Date.now();
for (;;) {
  const mine = mySiemEvents();
  const seen = JSON.stringify([...mine].map(([siem, events]) => [siem, events.length]));
  if (seen !== last) [last, quietSince] = [seen, Date.now()];
  const complete = mine.size > 0 && [...mine.values()].every((events) => events.length >= 2) && Date.now() - quietSince >= 750;
  if (complete || Date.now() > deadline) {
    if (mine.size === 0) console.log(`  (no event arrived within 5 s: is ${values.tenant}'s SIEM one of the demo's doubles? see ${eventsFile})`);
    for (const [siem, events] of mine) {
      console.log(`\nIn ${SIEM_NAMES[siem] ?? siem} (the demo's double):`);
      for (const event of events) console.log(JSON.stringify(event, null, 2));
    }
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
