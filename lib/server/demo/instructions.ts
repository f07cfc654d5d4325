import 'server-only';
// What a seeded demo prints at start (lib/server/http-server.ts): on the first
// start the accounts with their one-time passphrases; at every start the
// local doubles and what to run next. It leads with the Tenant Security
// Proxy: until a proxy of "demo-proxy" connects, every page truthfully says
// "Not connected yet", and with the TSP running the demo shows a healthy chain
// (up to date, key uses in the SIEM double). The proxy client alone stays the
// read-only alternative. lib/server/demo/demo.int.test.ts runs these commands.
import path from 'node:path';
import type { TDemoDoubles } from './doubles';
import type { DemoResult } from './seed';

export type TDemoInstructions = {
  /** Only on the first start, when the demo was just loaded. */
  demo: DemoResult | null;
  /** The local KMS and SIEM doubles, when the demo has them. */
  doubles: Pick<TDemoDoubles, 'kmsUrl' | 'otherKmsUrls' | 'splunkUrl' | 'datadogUrl' | 'elasticUrl' | 'eventsFile'> | null;
  publicUrl: string;
  dataDir: string;
  /** Paths are printed relative to this (the shell the operator started the broker from). */
  cwd?: string;
};

/** The console text, or null when this is no demo. */
export function demoInstructions({ demo, doubles, publicUrl, dataDir, cwd = process.cwd() }: TDemoInstructions): string | null {
  if (!demo && !doubles) return null;
  const relative = (file: string) => path.relative(cwd, file) || file;
  const demoDir = relative(path.join(path.resolve(cwd, dataDir), 'demo'));
  const credentials = `${demoDir}/proxy-credentials.json`;
  const lines: string[] = [''];
  if (demo) {
    const width = Math.max(...demo.accounts.map((a) => a.role.length));
    lines.push(
      '  Demo data loaded (first start on an empty embedded database).',
      `  Sign in at ${publicUrl}/sign-in as:`,
      ...demo.accounts.map((a) => `    ${a.role.padEnd(width)}  ${a.email}  passphrase: ${a.passphrase}`),
      `  (also in ${demoDir}/accounts.txt; delete it once noted)`,
      '',
    );
  }
  const proxy = `    npm run proxy -- --credentials ${credentials}`;
  if (!doubles) {
    lines.push('  Run a proxy as the approved deployment "demo-proxy" (read-only: it syncs, verifies, decrypts and prints what it applied):', proxy, '');
    return lines.join('\n');
  }
  const others = doubles.otherKmsUrls;
  const { splunkUrl, datadogUrl, elasticUrl } = doubles;
  const siems = [
    ...(splunkUrl ? [`Splunk HEC double on ${splunkUrl} (every tenant but globex)`] : []),
    ...(datadogUrl ? [`Datadog Logs double on ${datadogUrl} (acme; the TSP reaches it as ${new URL(datadogUrl).hostname}:443)`] : []),
    ...(elasticUrl ? [`Elasticsearch double on ${elasticUrl} (globex)`] : []),
  ];
  lines.push(
    `  Demo doubles (local PROTOCOL DOUBLES, NOT the clouds: not AWS, not Splunk${datadogUrl || elasticUrl ? ', Datadog or Elastic' : ''}${others ? ', not Google, Azure, HashiCorp or Thales' : ''}):`,
    `    AWS KMS double on ${doubles.kmsUrl} (acme)`,
    ...(others
      ? [
          `    Google Cloud KMS double on ${others.google} (globex), Azure Key Vault and Entra ID double on ${others.azure} (initech),`,
          `    Vault Transit double on ${others.vault} (hooli, and acme's DR key), CipherTrust Manager double on ${others.ciphertrust} (umbrella)`,
        ]
      : []),
    ...(splunkUrl
      ? [...siems.map((siem) => `    ${siem}`), `    (the events they accept are also in ${relative(doubles.eventsFile)})`]
      : ['    no Splunk, Datadog, Elastic, Google, Azure, Vault or CipherTrust double (openssl was missing when the demo was made)']),
    '',
    '  Next, in a second terminal, start the Tenant Security Proxy. It connects as the approved',
    '  deployment "demo-proxy", so the pages show the chain up to date instead of "Not connected yet":',
    `    npm run tsp -- --credentials ${credentials} --env-file ${demoDir}/tsp.env`,
    '  Then, in a third, encrypt and decrypt as tenant acme (AWS KMS) and see its SIEM events:',
    '    npm run tsp:try',
    ...(others ? ['  or as a tenant on another KMS: npm run tsp:try -- --tenant globex (or initech, hooli, umbrella)'] : []),
    '  Or, read-only instead of the TSP, the proxy client alone (syncs, verifies, decrypts, prints what it applied):',
    proxy,
    '',
  );
  return lines.join('\n');
}
