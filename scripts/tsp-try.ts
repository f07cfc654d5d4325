// Tries the demo's Tenant Security Proxy as an application would: asks it for
// a data key as tenant acme, encrypts a short document with it (AES-256-GCM,
// here in this process), forgets the key, asks the TSP to unwrap the stored
// EDEK, decrypts, and prints the SIEM events the tenant received for these
// two key uses (from the demo's Splunk double: DATA_DIR/demo/siem-events.jsonl).
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

// The TSP batches SIEM events (≤ 250 ms) and the demo double writes them to the file every 250 ms.
console.log(`\nWhat tenant ${values.tenant} sees in its SIEM (the demo's Splunk double):`);
const deadline = Date.now() + 5_000;
for (;;) {
  const lines = existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).slice(seenBefore) : [];
  const mine = lines.map((line) => JSON.parse(line) as { iclFields?: { requestId?: string } }).filter((e) => e.iclFields?.requestId === requestId);
  if (mine.length >= 2 || Date.now() > deadline) {
    if (mine.length === 0) console.log(`  (no event arrived within 5 s: is ${values.tenant}'s SIEM the demo's Splunk double? see ${eventsFile})`);
    for (const event of mine) console.log(JSON.stringify(event, null, 2));
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
