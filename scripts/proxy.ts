// A minimal proxy: syncs with the broker using a deployment's credentials
// file and prints what it would serve (tenants, configurations, errors) —
// never a settings value, the API key or the private key.
//   npm run proxy -- --credentials prod-eu.json [--once] [--wait 30] [--pins file]
// --once: one sync and status report, then exit 0 without errors, 1 with any.
import { parseArgs } from 'node:util';

import {
  createProxyClient,
  CredentialsError,
  defaultPinsFile,
  formatSummary,
  loadCredentials,
  type TProxyLogger,
} from '@/lib/proxy-client';

const USAGE = 'usage: npm run proxy -- --credentials <file.json> [--once] [--wait <0..60>] [--pins <file>]';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        credentials: { type: 'string' },
        once: { type: 'boolean', default: false },
        wait: { type: 'string', default: '30' },
        pins: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`);
  }
})();

if (values.help) fail(USAGE, 0);
if (!values.credentials) fail(`--credentials is required.\n${USAGE}`);
const wait = Number(values.wait);
if (!Number.isInteger(wait) || wait < 0 || wait > 60) fail(`--wait must be a whole number of seconds from 0 to 60.\n${USAGE}`);

const stamp = () => new Date().toISOString();
const logger: TProxyLogger = {
  info: (m) => console.log(`${stamp()} info  ${m}`),
  warn: (m) => console.warn(`${stamp()} warn  ${m}`),
  error: (m) => console.error(`${stamp()} error ${m}`),
};

const credentials = await loadCredentials(values.credentials).catch((e: unknown) =>
  fail(e instanceof CredentialsError ? e.message : `Cannot load the credentials: ${(e as Error).message}`),
);
const pinsFile = values.pins ?? defaultPinsFile(values.credentials);
const client = createProxyClient({ credentials, pinsFile, logger });

if (values.once) {
  try {
    await client.syncOnce();
  } catch (e) {
    logger.error(`Sync failed: ${(e as Error).message}`);
  }
  await client.reportStatus().catch((e: unknown) => logger.warn(`Status report failed: ${(e as Error).message}`));
  const summary = client.summary();
  console.log(formatSummary(summary));
  process.exit(summary.errors.length === 0 && summary.staleness !== null ? 0 : 1);
}

console.log(`Proxy client for ${credentials.deploymentId} at ${credentials.brokerUrl}; pins in ${pinsFile}. Ctrl-C to stop.`);
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
// Print the summary whenever what is served (or failing) changes.
let printed = '';
const timer = setInterval(() => {
  const { staleness: _s, ...rest } = client.summary();
  const key = JSON.stringify(rest);
  if (key !== printed) {
    printed = key;
    console.log(`\n${formatSummary(client.summary())}\n`);
  }
}, 1000);
await client.run({ wait, signal: controller.signal });
clearInterval(timer);
