// Prints a real, small worked example of the proxy delivery format for
// docs/proxy-api.md: keys, a signed bundle for one tenant with one
// configuration, its decoded header and payload, the tenant state, the
// narrowed JWE, and each verification step's result (made with the real
// crypto via lib/testing/bundle-factory.ts; the keys are throwaway examples).
//   npm run -s proxy:example            (or: node scripts/node.mjs scripts/proxy-api-example.ts)
//   --json <file>  also writes the material as JSON (for checking the doc's Python snippet)
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { decodeProtectedHeader } from 'jose';

import { verifyBundle } from '@/lib/crypto/bundle';
import { configDigest } from '@/lib/crypto/config-digest';
import { openConfig } from '@/lib/crypto/open-config';
import { verifyTenantState } from '@/lib/crypto/tenant-state';
import { bundleTenant, createBroker, createDeployment, createTenant, publishState, sealTestConfig, signTestBundle } from '@/lib/testing/bundle-factory';

const { values } = parseArgs({ options: { json: { type: 'string' } } });

const broker = await createBroker();
const deployment = await createDeployment([broker], 'https://broker.example.com');
const tenant = await createTenant('acme', [deployment]);
const config = await sealTestConfig(tenant, {
  provider: 'hashicorp-vault-transit',
  primary: true,
});
await publishState(tenant);
const entry = bundleTenant(tenant, deployment);
const bundleJws = await signTestBundle(broker, deployment, [entry], { cursor: null, next: 'c1.example-cursor' });

const decodePayload = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString()) as unknown;
const show = (title: string, value: unknown) =>
  console.log(`### ${title}\n\n\`\`\`${typeof value === 'string' ? 'text' : 'json'}\n${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n\`\`\`\n`);

show('Broker public signing key (pinned from the credentials file `brokerJwks`)', { keys: [broker.publicJwk] });
show('Deployment private key (credentials file `privateJwk`; example only)', deployment.privateJwk);
show('Bundle (HTTP body, compact JWS)', bundleJws);
show('Bundle protected header', decodeProtectedHeader(bundleJws));
const payload = decodePayload(bundleJws);
show('Bundle payload', payload);
show('Tenant state header', decodeProtectedHeader(tenant.state));
show('Tenant state payload', decodePayload(tenant.state));
const jwe = entry.configs[0]?.jwe;
if (!jwe) throw new Error('no config');
show('Narrowed configuration JWE protected header', JSON.parse(Buffer.from(jwe.protected, 'base64url').toString()));

// The steps, as a proxy runs them.
const bundle = await verifyBundle(bundleJws, [broker.publicJwk], { deploymentId: deployment.id });
const state = await verifyTenantState(bundle.tenants[0]?.state ?? '', tenant.signer.publicJwk, { tenantId: 'acme' });
const digest = await configDigest(jwe);
const document = await openConfig({
  jwe,
  decryptionKey: deployment.key,
  decryptionKid: deployment.kid,
  verifyKey: tenant.signer.publicJwk,
  expected: { tenantId: 'acme', configId: config.configId, version: config.version, digest },
});
show('Verification steps', [
  `1. bundle signature by broker kid ${broker.kid}: ok; aud ${bundle.aud}; exp - iat = ${bundle.exp - bundle.iat} s`,
  `2. tenant signing key kid ${tenant.signer.kid}: first sight, pinned (TOFU)`,
  `3. tenant state signature: ok; seq ${state.seq}; recipients include our kid ${deployment.kid}: ${state.recipients.includes(deployment.kid)}`,
  `4. digest of the JWE = ${digest}; state lists ${state.configs[0]?.digest}: ${digest === state.configs[0]?.digest}`,
  `5. decrypted with the recipient whose kid is ${jwe.header.kid} (ECDH-ES+A256KW, A256GCM)`,
  `6. inner JWS (typ cmk-config+jws) verifies with the tenant signing key`,
  `7. document: tenantId ${document.tenantId}, configId ${document.configId}, version ${document.version}, provider ${document.provider}`,
  `8. settings valid for ${document.provider} (members: ${Object.keys(document.settings).join(', ')})`,
].join('\n'));
show('Decrypted configuration document (example values)', document);

if (values.json) {
  writeFileSync(values.json, JSON.stringify({ bundle: bundleJws, brokerJwks: { keys: [broker.publicJwk] }, deploymentId: deployment.id, privateJwk: deployment.privateJwk, tenantSigningKey: tenant.signer.publicJwk }, null, 2));
}
