// Bundled for Chromium by bench/browser-cost.ts: the app's own browser-side
// crypto (lib/crypto), with the inputs made here. Timed, each `runs` times:
//   seal5   sealing a configuration to 5 recipients (the tenant key and four
//           approved deployments), as the configuration form does;
//   unlock  what follows a successful sign-in until the tenant keys are
//           usable: open the sealed admin key with the wrapKey, unwrap the
//           tenant keys with it, import them (lib/client/session-keys.ts);
//   derive  the PBKDF2 stretch of the passphrase itself (600 000 rounds), which
//           sign-in performs before sending anything.
import { createAccountMaterial, sealContext } from '@/lib/crypto/account-material';
import { openAdminPrivateKey } from '@/lib/crypto/admin-key';
import { deriveAccountKeys, PBKDF2_ITERATIONS } from '@/lib/crypto/derive-account-keys';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import { createTenantKeyMaterial } from '@/lib/crypto/tenant-key-material';
import { importTenantKeys, tenantPublicJwks, unwrapTenantKeys } from '@/lib/crypto/tenant-keys';

async function times(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    out.push(performance.now() - t0);
  }
  return out;
}

async function seal5(runs: number): Promise<number[]> {
  const email = 'bench@tenant.example';
  const account = await createAccountMaterial(email, 'bench passphrase for sealing');
  const material = await createTenantKeyMaterial('bench', account.adminPublicJwk, false);
  const keys = await importTenantKeys(material.privates);
  const publics = await tenantPublicJwks(material.privates);
  const deployments = await Promise.all([0, 1, 2, 3].map(() => generateJwkPair('ecdh')));
  const recipients = [
    { kid: keys.encryptionKid, publicJwk: publics.encryption },
    ...deployments.map((d) => ({ kid: d.publicJwk.kid as string, publicJwk: d.publicJwk })),
  ];
  let version = 0;
  return times(runs, () =>
    sealConfig({
      document: { typ: 'kms', tenantId: 'bench', configId: 'c_benchbenchbenchbench', version: ++version, provider: 'aws-kms', settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0000', region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x'.repeat(40) }, iat: Math.floor(Date.now() / 1000) },
      signingKey: keys.signingKey,
      signingKid: keys.signingKid,
      recipients,
    }),
  );
}

async function unlock(runs: number): Promise<{ unlock: number[]; derive: number[] }> {
  const email = 'bench@tenant.example';
  const passphrase = 'bench passphrase for unlocking';
  const account = await createAccountMaterial(email, passphrase);
  const material = await createTenantKeyMaterial('bench', account.adminPublicJwk, false);
  const publics = await tenantPublicJwks(material.privates);
  let wrapKey: CryptoKey | undefined;
  const derive = await times(Math.min(runs, 5), async () => {
    ({ wrapKey } = await deriveAccountKeys(passphrase, account.body.kdfSalt, PBKDF2_ITERATIONS));
  });
  const unlockTimes = await times(runs, async () => {
    const { privateKey, kid } = await openAdminPrivateKey(account.body.sealedAdminKey, wrapKey as CryptoKey, sealContext(email));
    const privates = await unwrapTenantKeys(material.body.wrappedTenantKeys, privateKey, {
      tenantId: 'bench',
      adminKid: kid,
      encryptionKid: publics.encryption.kid,
      signingKid: publics.signing.kid,
    });
    await importTenantKeys(privates);
  });
  return { unlock: unlockTimes, derive };
}

(globalThis as unknown as { cmkBench: unknown }).cmkBench = { seal5, unlock };
