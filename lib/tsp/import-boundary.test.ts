// The TSP runs in the vendor's infrastructure without the broker: from its
// entry (lib/tsp, which reaches lib/kms, lib/siem and lib/proxy-client) no
// import may reach Next.js, React, Prisma, lib/server, lib/client or the
// test doubles in lib/testing, and packages are limited to this list.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, walkImports } from '@/lib/testing/import-graph';

const ALLOWED = new Set(['jose', 'zod', 'protobufjs', 'prom-client', 'pino', '@aws-sdk/client-kms', '@aws-sdk/client-sts']);
// The AWS SDK's own HTTP handler, which the AWS drivers' handler extends (lib/kms/aws-http-handler.ts).
ALLOWED.add('@smithy/node-http-handler');
// The Azure Key Vault driver's and the Azure Monitor sink's official SDKs.
for (const azure of ['@azure/identity', '@azure/keyvault-keys', '@azure/monitor-ingestion']) ALLOWED.add(azure);

describe('lib/tsp import boundary', () => {
  it('reaches only the proxy side of the project and its own packages', () => {
    const { files, problems } = walkImports([join(ROOT, 'lib/tsp/index.ts')], ALLOWED);
    expect(problems).toEqual([]);
    // The walk really followed the graph into each layer.
    for (const reached of ['lib/kms/aws-kms.ts', 'lib/siem/webhook.ts', 'lib/siem/splunk-hec.ts', 'lib/proxy-client/client.ts', 'lib/tsp/key-ops.ts']) {
      expect([...files].some((f) => f.endsWith(reached)), reached).toBe(true);
    }
  });
});
