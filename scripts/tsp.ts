// The Tenant Security Proxy as a process:
//   npm run tsp -- --credentials <file.json> [--env-file <file>] [--port 7777] [--health-port 9000] [--host 127.0.0.1]
//                  [--tls-cert file --tls-key file] [--max-staleness <s>] [--wait <s>] [--pins <file>]
// API keys come from TSP_API_KEY (and TSP_API_KEY_2 while rotating); every
// setting is listed in docs/tsp.md. SIGTERM/SIGINT: graceful stop (in-flight
// requests finish, SIEM queues drain, within a bound). SIGHUP: reload the
// TLS certificate and key.
import { parseArgs } from 'node:util';
import { createProxyClient, CredentialsError, defaultPinsFile, loadCredentials } from '@/lib/proxy-client';
import { createTsp, createTspLogger, outboundOptions, parseTspSettings, TspSettingsError } from '@/lib/tsp';

const USAGE = 'usage: npm run tsp -- --credentials <file.json> [--env-file <file>] [--port 7777] [--health-port 9000] [--host 127.0.0.1] [--tls-cert <file> --tls-key <file>] [--max-staleness <s>] [--wait <s>] [--pins <file>]\n(API key: TSP_API_KEY; see docs/tsp.md)';

const FLAGS = ['credentials', 'pins', 'host', 'port', 'health-port', 'tls-cert', 'tls-key', 'max-staleness', 'wait', 'env-file'] as const;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        ...Object.fromEntries(FLAGS.map((name) => [name, { type: 'string' as const }])),
        help: { type: 'boolean' as const },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`);
  }
})();
if ((values as { help?: boolean }).help) fail(USAGE, 0);

// Variables from a file (KEY=value lines, as the demo writes data/demo/tsp.env); the environment's own win.
const envFile = (values as { 'env-file'?: string })['env-file'];
if (envFile) {
  try {
    process.loadEnvFile(envFile);
  } catch (e) {
    fail(`Cannot read --env-file ${envFile}: ${(e as Error).message}`);
  }
}

const settings = (() => {
  try {
    return parseTspSettings(values as Record<string, string>, process.env);
  } catch (e) {
    return fail(e instanceof TspSettingsError ? `The TSP cannot start:\n${e.message}\n${USAGE}` : String(e));
  }
})();

const logger = createTspLogger();
const credentials = await loadCredentials(settings.credentials).catch((e: unknown) => fail(e instanceof CredentialsError ? e.message : `Cannot load the credentials: ${(e as Error).message}`));
const proxyLog = { info: (m: string) => logger.info({}, m), warn: (m: string) => logger.warn({}, m), error: (m: string) => logger.error({}, m) };
const client = createProxyClient({ credentials, pinsFile: settings.pins ?? defaultPinsFile(settings.credentials), logger: proxyLog });
const outbound = outboundOptions(settings);
const tsp = createTsp({
  client,
  deploymentId: credentials.deploymentId,
  apiKeys: [settings.apiKey, ...(settings.apiKey2 ? [settings.apiKey2] : [])],
  host: settings.host,
  port: settings.port,
  healthPort: settings.healthPort,
  ...(settings.tlsCert && settings.tlsKey ? { tls: { certFile: settings.tlsCert, keyFile: settings.tlsKey } } : {}),
  ...(settings.maxStaleness ? { maxStalenessSeconds: settings.maxStaleness } : {}),
  wait: settings.wait,
  kms: outbound.kms,
  siem: outbound.siem,
  leases: { maxEntries: settings.leaseCacheEntries },
  kmsDrivers: { maxDrivers: settings.kmsDriverCache },
  logger,
});

const { url, healthUrl } = await tsp.start().catch((e: unknown) => fail(`The TSP cannot listen: ${(e as Error).message}`, 1));
logger.info({ url, healthUrl, deploymentId: credentials.deploymentId, broker: credentials.brokerUrl }, `Tenant Security Proxy on ${url} (health ${healthUrl}/health); ready after the first verified sync`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests and draining SIEM queues');
    void tsp.stop().then(({ siemLeft }) => process.exit(siemLeft > 0 ? 1 : 0));
  });
}
process.on('SIGHUP', () => {
  try {
    tsp.reloadTls();
    logger.info({}, 'TLS certificate and key reloaded');
  } catch (e) {
    logger.error({ err: (e as Error).message }, 'TLS reload failed; keeping the current certificate');
  }
});
