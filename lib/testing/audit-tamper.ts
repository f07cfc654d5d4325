// The tamper-evidence tests play an attacker who owns the database: the
// audit tables refuse UPDATE, DELETE and TRUNCATE by trigger (migration
// 0011_audit_append_only), which only the tables' owner can switch off. This
// does so for the given statements alone, in one transaction, so the
// triggers are back on whatever happens.
import type { PrismaClient } from '@/lib/generated/prisma/client';

export async function tamperAsOwner(prisma: PrismaClient, ...statements: string[]): Promise<void> {
  await prisma.$transaction([
    prisma.$executeRawUnsafe('ALTER TABLE audit_event DISABLE TRIGGER USER'),
    ...statements.map((sql) => prisma.$executeRawUnsafe(sql)),
    prisma.$executeRawUnsafe('ALTER TABLE audit_event ENABLE TRIGGER USER'),
  ]);
}
