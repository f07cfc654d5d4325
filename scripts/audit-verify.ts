// npm run audit:verify [-- --checkpoint] [-- --file export.jsonl|export.csv [--jwks jwks.json]]
// Verifies the audit trail's hash chains — vendor-wide and per tenant — and
// its signed checkpoints, and prints OK or the first broken link of each
// chain; exit code 1 when anything is broken. Without --file it opens the
// database (stop the broker first on the embedded database: one process may
// open it); --checkpoint then also signs the current heads (vendor and tenants) with
// the broker signing key. With --file it checks an export offline, without the database
// or any configuration; --jwks pins the broker's published keys
// (/.well-known/jwks.json) instead of trusting the keys inside the export.
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JWK } from 'jose';
import { describeReport } from '@/lib/server/audit/verify';
import { plural } from '@/lib/plural';

const USAGE = 'usage: npm run audit:verify [-- --checkpoint] | [-- --file export.jsonl|export.csv [--jwks jwks.json]]';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value.\n${USAGE}`);
  return value;
}

async function offline(file: string, jwksFile: string | undefined): Promise<number> {
  const { describeExport, isExportOk, verifyExportLines } = await import('@/lib/server/audit/offline');
  const pinned = jwksFile ? (JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: JWK[] }).keys : undefined;
  // Line by line: an export of a large chain is never held in memory whole.
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const result = await verifyExportLines(lines, pinned);
  for (const line of describeExport(result)) console.log(line);
  if (result.keysFrom === 'export') console.log('Note: checkpoints were checked with the keys inside the export; pass --jwks to pin the broker’s published keys.');
  return isExportOk(result) ? 0 : 1;
}

async function online(sign: boolean): Promise<number> {
  const { EnvError, getEnv } = await import('@/lib/env');
  const { closeDatabase, initDatabase } = await import('@/lib/server/db');
  const { verifyStoredAuditTrail, writeAuditCheckpoints } = await import('@/lib/server/audit/checkpoint');
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) throw new Error(error.message);
    throw error;
  }
  await initDatabase({ migrate: true });
  try {
    const { report, checkpoints, goodCheckpoints } = await verifyStoredAuditTrail();
    for (const line of describeReport(report, checkpoints, goodCheckpoints)) console.log(line);
    const ok = report.ok && checkpoints.length === 0;
    if (ok && sign) {
      const run = await writeAuditCheckpoints(new Date(), { wait: true });
      const vendor = run.vendor;
      console.log(vendor ? `Signed checkpoint at vendor_seq ${vendor.vendorSeq} (key ${vendor.kid}) and ${plural(run.tenants, 'new tenant head')}.` : 'The trail is empty; nothing to sign.');
    }
    return ok ? 0 : 1;
  } finally {
    await closeDatabase();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '--help' || a === '-h')) {
    console.log(USAGE);
    return 0;
  }
  const file = option(args, '--file');
  return file ? offline(file, option(args, '--jwks')) : online(args.includes('--checkpoint'));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
