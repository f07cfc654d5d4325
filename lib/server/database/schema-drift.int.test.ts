// The migrated database must match prisma/schema.prisma exactly — every
// model, field, type, default, index and relation — on both backends. The
// comparator itself is proven able to fail on a deliberately drifted schema.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/lib/server/db';
import { diffSchema, introspect, loadDatamodel } from '@/lib/testing/schema-drift';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database | undefined;

beforeEach(async () => {
  testDb = await createTestDatabase();
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  await testDb.drop();
});

describe(`schema drift on ${backend}`, () => {
  it('the migrations produce exactly schema.prisma', async () => {
    db = await openDatabase({ env: testDb.env, migrate: true });
    const datamodel = await loadDatamodel(readFileSync('prisma/schema.prisma', 'utf8'));
    const actual = await db.withSession(introspect);
    expect(actual.tables.size).toBe(datamodel.models.length);
    expect(diffSchema(datamodel, actual)).toEqual([]);
  });

  it('reports every kind of drift', async () => {
    const schema = `
      datasource db {
        provider = "postgresql"
      }
      enum Status {
        ACTIVE
        SUSPENDED
      }
      model Owner {
        id     String  @id
        email  String  @unique
        things Thing[]
        @@map("owner")
      }
      model Thing {
        id        Int      @id @default(autoincrement())
        ownerId   String   @map("owner_id")
        owner     Owner    @relation(fields: [ownerId], references: [id], onDelete: Cascade)
        name      String   @db.VarChar(40)
        status    Status   @default(ACTIVE)
        note      String?
        createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
        @@index([ownerId, createdAt])
        @@map("thing")
      }`;
    // Drifted on purpose: wrong type, nullability, default, missing index, FK action, extra column, enum value.
    const sql = `
      CREATE TYPE "Status" AS ENUM ('ACTIVE');
      CREATE TABLE owner (id text PRIMARY KEY, email text NOT NULL);
      CREATE TABLE thing (
        id serial PRIMARY KEY,
        owner_id text NOT NULL REFERENCES owner(id) ON DELETE RESTRICT ON UPDATE CASCADE,
        name text NOT NULL,
        status "Status" NOT NULL DEFAULT 'ACTIVE',
        note text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        extra integer
      );`;
    db = await openDatabase({ env: testDb.env, migrate: false });
    await db.withSession((s) => s.exec(sql));
    const problems = diffSchema(await loadDatamodel(schema), await db.withSession(introspect));
    expect(problems).toEqual(
      expect.arrayContaining([
        'enum Status: values ACTIVE ≠ ACTIVE,SUSPENDED',
        'owner: index owner_email_key (email) missing',
        'thing.name: type text ≠ character varying(40)',
        'thing.note: NOT NULL ≠ nullable',
        'thing.created_at: default none ≠ CURRENT_TIMESTAMP',
        'thing.extra: column not in schema.prisma',
        'thing: index thing_owner_id_created_at_idx (owner_id, created_at) missing',
        'thing: foreign key (owner_id) is owner(id) ON DELETE Restrict ON UPDATE Cascade, schema says owner(id) ON DELETE Cascade ON UPDATE Cascade',
      ]),
    );
    expect(problems).toHaveLength(8);
  });
});
