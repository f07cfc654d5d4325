import 'server-only';
// Broker-wide settings (key/value), e.g. the hashed setup token and the
// vendor's rule that operators must use a second factor.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export async function getSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const row = await db.brokerSetting.findUnique({ where: { key } });
  return row ? (row.value as T) : undefined;
}

export async function putSetting(db: Db, key: string, value: Prisma.InputJsonValue): Promise<void> {
  await db.brokerSetting.upsert({ where: { key }, create: { key, value }, update: { value } });
}

export async function deleteSetting(db: Db, key: string): Promise<void> {
  await db.brokerSetting.deleteMany({ where: { key } });
}
