// The browser's store of unlocked keys: the admin's ECDH private key and each
// tenant's private keys, all as NON-extractable CryptoKeys (script can use but
// never read them). Kept in IndexedDB so a reload does not ask for the
// passphrase again; wiped at sign-out and on idle timeout. The passphrase,
// masterKey and wrapKey are never stored.
import type { JWK } from 'jose';

/**
 * One tenant's keys. The public halves are the ones taken from the unwrapped
 * private JWKs, never the broker's copy: they are what this browser verifies
 * with and seals to.
 */
export type TStoredTenantKeys = {
  encryptionKey: CryptoKey;
  signingKey: CryptoKey;
  encryptionKid: string;
  signingKid: string;
  encryptionPublicJwk: JWK;
  signingPublicJwk: JWK;
};
export type TStoredKeys = { userId: string; adminPrivateKey: CryptoKey; adminKid: string; tenants: Record<string, TStoredTenantKeys> };

const DB_NAME = 'cmk-broker-keys';
const STORE = 'keys';

let memory: Map<string, TStoredKeys> | undefined;

function openDb(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
}

async function withStore<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T> | undefined): Promise<T | undefined> {
  const db = await openDb();
  if (!db) return undefined;
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request?.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export async function loadKeys(userId: string): Promise<TStoredKeys | null> {
  const stored = (await withStore<TStoredKeys>('readonly', (s) => s.get(userId))) ?? memory?.get(userId);
  return stored ?? null;
}

async function saveKeys(keys: TStoredKeys): Promise<void> {
  memory ??= new Map();
  memory.set(keys.userId, keys);
  await withStore('readwrite', (s) => s.put(keys, keys.userId));
}

export async function saveAdminKey(userId: string, adminPrivateKey: CryptoKey, adminKid: string): Promise<void> {
  if (adminPrivateKey.extractable) throw new Error('Refusing to store an extractable private key.');
  await saveKeys({ userId, adminPrivateKey, adminKid, tenants: {} });
}

export async function saveTenantKeys(userId: string, tenantId: string, keys: TStoredTenantKeys): Promise<void> {
  const current = await loadKeys(userId);
  if (!current) throw new Error('Unlock your admin key first.');
  if (keys.encryptionKey.extractable || keys.signingKey.extractable) throw new Error('Refusing to store an extractable private key.');
  await saveKeys({ ...current, tenants: { ...current.tenants, [tenantId]: keys } });
}

/** Drops this browser's copy of one tenant's keys (after a rotation they are the old ones). */
export async function forgetTenantKeys(userId: string, tenantId: string): Promise<void> {
  const current = await loadKeys(userId);
  if (!current?.tenants[tenantId]) return;
  const tenants = { ...current.tenants };
  delete tenants[tenantId];
  await saveKeys({ ...current, tenants });
}

/** Removes every key of every user from this browser. */
export async function wipeAllKeys(): Promise<void> {
  memory = undefined;
  if (typeof indexedDB === 'undefined') return;
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}
