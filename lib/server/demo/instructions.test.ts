// The demo's start-up text leads with the Tenant Security Proxy (so the demo
// shows a healthy chain, not "Not connected yet"), keeps the proxy client as
// the read-only alternative, and prints the passphrases only on the first start.
import { describe, expect, it } from 'vitest';
import { demoInstructions } from './instructions';

const demo = {
  accounts: [
    { role: 'vendor operator', email: 'operator@vendor.example', passphrase: 'demo-aaaaa' },
    { role: 'tenant admin of acme', email: 'admin@acme.example', passphrase: 'demo-bbbbb' },
  ],
  credentialsFile: '/srv/broker/data/demo/proxy-credentials.json',
  deploymentId: 'dep_demo',
};
const otherKmsUrls = { google: 'https://127.0.0.1:40003', azure: 'https://localhost:40004', vault: 'https://127.0.0.1:40005', ciphertrust: 'https://127.0.0.1:40006' };
const siemUrls = { splunkUrl: 'https://splunk.demo.test:40002', datadogUrl: 'https://http-intake.logs.datadoghq.eu:40007', elasticUrl: 'https://elastic.demo.test:40008' };
const doubles = { kmsUrl: 'http://127.0.0.1:40001', otherKmsUrls, ...siemUrls, eventsFile: '/srv/broker/data/demo/siem-events.jsonl' };
const base = { publicUrl: 'http://localhost:3000', dataDir: './data', cwd: '/srv/broker' };
const TSP = 'npm run tsp -- --credentials data/demo/proxy-credentials.json --env-file data/demo/tsp.env';
const PROXY = 'npm run proxy -- --credentials data/demo/proxy-credentials.json';

describe('demo instructions', () => {
  it('first start: the accounts, then the TSP first, tsp:try, and the proxy client as the read-only alternative', () => {
    const text = demoInstructions({ ...base, demo, doubles }) as string;
    expect(text).toContain('admin@acme.example  passphrase: demo-bbbbb');
    expect(text).toContain('(also in data/demo/accounts.txt; delete it once noted)');
    expect(text).toContain('local PROTOCOL DOUBLES, NOT the clouds: not AWS, not Splunk, Datadog or Elastic, not Google, Azure, HashiCorp or Thales');
    for (const url of [doubles.kmsUrl, ...Object.values(otherKmsUrls), ...Object.values(siemUrls)]) expect(text).toContain(url);
    expect(text).toContain('Datadog Logs double on https://http-intake.logs.datadoghq.eu:40007 (acme; the TSP reaches it as http-intake.logs.datadoghq.eu:443)');
    expect(text).toContain('Elasticsearch double on https://elastic.demo.test:40008 (globex)');
    expect(text).toContain('(the events they accept are also in data/demo/siem-events.jsonl)');
    expect(text).toContain('npm run tsp:try -- --tenant globex');
    const [tsp, tryIt, proxy] = [text.indexOf(TSP), text.indexOf('npm run tsp:try'), text.indexOf(PROXY)];
    expect(tsp).toBeGreaterThan(text.indexOf('passphrase'));
    expect(tryIt).toBeGreaterThan(tsp);
    expect(proxy).toBeGreaterThan(tryIt);
    expect(text.slice(tryIt, proxy)).toMatch(/read-only/);
  });

  it('later starts: no passphrases, the same commands', () => {
    const text = demoInstructions({ ...base, demo: null, doubles }) as string;
    expect(text).not.toMatch(/passphrase/);
    expect(text.indexOf(TSP)).toBeGreaterThan(-1);
    expect(text.indexOf(PROXY)).toBeGreaterThan(text.indexOf(TSP));
  });

  it('a demo seeded before the other KMS doubles names only AWS and Splunk', () => {
    const text = demoInstructions({ ...base, demo: null, doubles: { ...doubles, otherKmsUrls: null, datadogUrl: null, elasticUrl: null } }) as string;
    expect(text).toContain('NOT the clouds: not AWS, not Splunk):');
    expect(text).not.toMatch(/Google|--tenant|Datadog|Elastic/);
  });

  it('a demo seeded before the Datadog and Elastic doubles names the KMS doubles and Splunk only (those configurations keep the examples)', () => {
    const text = demoInstructions({ ...base, demo: null, doubles: { ...doubles, datadogUrl: null, elasticUrl: null } }) as string;
    expect(text).toContain('NOT the clouds: not AWS, not Splunk, not Google, Azure, HashiCorp or Thales):');
    expect(text).toContain('Splunk HEC double on https://splunk.demo.test:40002');
    expect(text).not.toMatch(/Datadog|Elastic/);
  });

  it('a demo made without openssl has no TLS doubles and says why', () => {
    const text = demoInstructions({ ...base, demo: null, doubles: { ...doubles, otherKmsUrls: null, splunkUrl: null, datadogUrl: null, elasticUrl: null } }) as string;
    expect(text).toContain('no Splunk, Datadog, Elastic, Google, Azure, Vault or CipherTrust double (openssl was missing when the demo was made)');
  });

  it('a demo without doubles offers the proxy client; no demo prints nothing', () => {
    const text = demoInstructions({ ...base, demo, doubles: null }) as string;
    expect(text).toContain(PROXY);
    expect(text).not.toContain('npm run tsp');
    expect(demoInstructions({ ...base, demo: null, doubles: null })).toBeNull();
  });
});
