// Compares a migrated database with prisma/schema.prisma: tables, columns
// (type, nullability, default), primary keys, unique and plain indexes,
// foreign keys (columns, target, actions) and enums. Prisma's own diffing
// lives in its native schema engine, which cannot run here, so this is how
// the hand-written SQL migrations are kept honest on PGlite and PostgreSQL.
import { createRequire } from 'node:module';
import type { SqlSession } from '@/lib/server/database/migrate';
import { MIGRATIONS_TABLE } from '@/lib/server/database/migrate';

type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
};
type DmmfModel = { name: string; dbName: string | null; fields: DmmfField[]; primaryKey: { name: string | null; fields: string[] } | null };
type DmmfIndex = { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; dbName?: string | null; name?: string | null; fields: { name: string }[] };
type DmmfEnum = { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] };
type Datamodel = { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };

export type Column = { type: string; nullable: boolean; default: string | null };
export type Index = { name: string; columns: string[]; unique: boolean; primary: boolean };
export type ForeignKey = { name: string; columns: string[]; refTable: string; refColumns: string[]; onDelete: string; onUpdate: string };
export type Table = { columns: Map<string, Column>; indexes: Index[]; foreignKeys: ForeignKey[] };
export type Schema = { tables: Map<string, Table>; enums: Map<string, string[]> };

export async function loadDatamodel(schemaSource: string): Promise<Datamodel> {
  const require = createRequire(import.meta.url);
  const { getDMMF } = require('@prisma/internals') as { getDMMF: (o: { datamodel: string }) => Promise<{ datamodel: Datamodel }> };
  return (await getDMMF({ datamodel: schemaSource })).datamodel;
}

const ACTIONS: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

/** Reads the `public` schema of a database. */
export async function introspect(db: SqlSession): Promise<Schema> {
  const tables = new Map<string, Table>();
  const table = (name: string) => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { columns: new Map(), indexes: [], foreignKeys: [] }));
    return t;
  };
  const columns = await db.query<{ tbl: string; col: string; type: string; nullable: boolean; def: string | null }>(`
    SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS def
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  for (const c of columns) table(c.tbl).columns.set(c.col, { type: c.type.replace(/"/g, ''), nullable: c.nullable, default: c.def });

  const indexes = await db.query<{ tbl: string; name: string; uniq: boolean; prim: boolean; cols: string[] | string }>(`
    SELECT t.relname AS tbl, i.relname AS name, ix.indisunique AS uniq, ix.indisprimary AS prim,
           array_agg(a.attname::text ORDER BY k.ord) AS cols
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE n.nspname = 'public'
    GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary`);
  for (const i of indexes) {
    table(i.tbl).indexes.push({ name: i.name, columns: pgArray(i.cols), unique: i.uniq, primary: i.prim });
  }

  const fks = await db.query<{ tbl: string; name: string; ref: string; cols: string[] | string; refcols: string[] | string; del: string; upd: string }>(`
    SELECT t.relname AS tbl, con.conname AS name, r.relname AS ref,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS refcols,
           con.confdeltype::text AS del, con.confupdtype::text AS upd
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid
    JOIN pg_class r ON r.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE con.contype = 'f' AND n.nspname = 'public'`);
  for (const f of fks) {
    table(f.tbl).foreignKeys.push({
      name: f.name,
      columns: pgArray(f.cols),
      refTable: f.ref,
      refColumns: pgArray(f.refcols),
      onDelete: ACTIONS[f.del] ?? f.del,
      onUpdate: ACTIONS[f.upd] ?? f.upd,
    });
  }

  const enumRows = await db.query<{ name: string; label: string }>(`
    SELECT t.typname AS name, e.enumlabel AS label
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`);
  const enums = new Map<string, string[]>();
  for (const e of enumRows) enums.set(e.name, [...(enums.get(e.name) ?? []), e.label]);
  tables.delete(MIGRATIONS_TABLE);
  return { tables, enums };
}

/** Drivers return arrays either parsed or as a `{a,b}` literal. */
function pgArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((v) => v.replace(/^"|"$/g, ''));
}

function sqlType(field: DmmfField, enumNames: Map<string, string>): string {
  const [native, args = []] = field.nativeType ?? [];
  let base: string;
  if (field.kind === 'enum') base = enumNames.get(field.type) ?? field.type;
  else {
    switch (field.type) {
      case 'String':
        base =
          native === 'VarChar' ? `character varying${args.length ? `(${args[0]})` : ''}` :
          native === 'Char' ? `character(${args[0] ?? 1})` :
          native === 'Uuid' ? 'uuid' :
          native === 'Inet' ? 'inet' :
          native === 'Citext' ? 'citext' : 'text';
        break;
      case 'Int':
        base = native === 'SmallInt' ? 'smallint' : 'integer';
        break;
      case 'BigInt':
        base = 'bigint';
        break;
      case 'Float':
        base = native === 'Real' ? 'real' : 'double precision';
        break;
      case 'Decimal':
        base = native === 'Money' ? 'money' : `numeric(${args[0] ?? 65},${args[1] ?? 30})`;
        break;
      case 'Boolean':
        base = 'boolean';
        break;
      case 'DateTime':
        base =
          native === 'Date' ? 'date' :
          native === 'Timestamptz' ? `timestamp(${args[0] ?? 6}) with time zone` :
          native === 'Timestamp' ? `timestamp(${args[0] ?? 6}) without time zone` :
          'timestamp(3) without time zone';
        break;
      case 'Json':
        base = native === 'Json' ? 'json' : 'jsonb';
        break;
      case 'Bytes':
        base = 'bytea';
        break;
      default:
        base = field.type;
    }
  }
  return field.isList ? `${base}[]` : base;
}

/** The database default Prisma's migrate would have written, or null for none / client-side. */
function expectedDefault(field: DmmfField): string | null {
  const d = field.default as { name?: string; args?: unknown[] } | string | number | boolean | undefined;
  if (d === undefined || d === null) return null;
  if (typeof d === 'object' && !Array.isArray(d) && d.name) {
    if (d.name === 'now') return 'CURRENT_TIMESTAMP';
    if (d.name === 'autoincrement') return 'nextval';
    if (d.name === 'dbgenerated') return String(d.args?.[0] ?? '');
    return null; // cuid(), uuid(), nanoid(), ulid(): generated by the client.
  }
  // A list default such as @default([]) is written as the array literal '{…}'.
  if (Array.isArray(d)) return `{${d.map(String).join(',')}}`;
  return String(d);
}

function normaliseDefault(value: string | null): string | null {
  if (value === null) return null;
  if (/^nextval\(/.test(value)) return 'nextval';
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(value)) return 'CURRENT_TIMESTAMP';
  return value.replace(/::[a-z" ]+(\[\])?$/i, '').replace(/^'(.*)'$/, '$1');
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Every way `actual` differs from what `datamodel` describes; empty when they match. */
export function diffSchema(datamodel: Datamodel, actual: Schema): string[] {
  const problems: string[] = [];
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const enumNames = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const expectedTables = new Set(datamodel.models.map(tableOf));

  for (const e of datamodel.enums) {
    const name = e.dbName ?? e.name;
    const values = e.values.map((v) => v.dbName ?? v.name);
    const found = actual.enums.get(name);
    if (!found) problems.push(`enum ${name}: missing`);
    else if (!same(found, values)) problems.push(`enum ${name}: values ${found.join(',')} ≠ ${values.join(',')}`);
  }
  for (const name of actual.enums.keys()) if (![...enumNames.values()].includes(name)) problems.push(`enum ${name}: not in schema.prisma`);

  for (const model of datamodel.models) {
    const tableName = tableOf(model);
    const table = actual.tables.get(tableName);
    if (!table) {
      problems.push(`table ${tableName}: missing`);
      continue;
    }
    const columnOf = (fieldName: string) => {
      const f = model.fields.find((x) => x.name === fieldName);
      return f?.dbName ?? fieldName;
    };
    const scalars = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
    for (const field of scalars) {
      const name = field.dbName ?? field.name;
      const column = table.columns.get(name);
      if (!column) {
        problems.push(`${tableName}.${name}: missing column`);
        continue;
      }
      const type = sqlType(field, enumNames);
      if (column.type !== type) problems.push(`${tableName}.${name}: type ${column.type} ≠ ${type}`);
      const nullable = !field.isRequired && !field.isList;
      if (column.nullable !== nullable) problems.push(`${tableName}.${name}: ${column.nullable ? 'nullable' : 'NOT NULL'} ≠ ${nullable ? 'nullable' : 'NOT NULL'}`);
      const want = expectedDefault(field);
      const got = normaliseDefault(column.default);
      if ((want ?? null) !== got) problems.push(`${tableName}.${name}: default ${got ?? 'none'} ≠ ${want ?? 'none'}`);
    }
    for (const name of table.columns.keys()) {
      if (!scalars.some((f) => (f.dbName ?? f.name) === name)) problems.push(`${tableName}.${name}: column not in schema.prisma`);
    }

    // Indexes: primary key, unique and plain, by name and exact column list.
    const expected: Index[] = datamodel.indexes
      .filter((i) => i.model === model.name && i.type !== 'fulltext')
      .map((i) => {
        const columns = i.fields.map((f) => columnOf(f.name));
        const suffix = i.type === 'id' ? 'pkey' : i.type === 'unique' ? 'key' : 'idx';
        const fallback = i.type === 'id' ? `${tableName}_pkey` : `${tableName}_${columns.join('_')}_${suffix}`;
        return { name: i.dbName ?? fallback, columns, unique: i.type !== 'normal', primary: i.type === 'id' };
      });
    for (const want of expected) {
      const got = table.indexes.find((x) => x.name === want.name);
      if (!got) problems.push(`${tableName}: index ${want.name} (${want.columns.join(', ')}) missing`);
      else if (!same(got.columns, want.columns) || got.unique !== want.unique || got.primary !== want.primary) {
        problems.push(
          `${tableName}: index ${want.name} is ${got.primary ? 'primary' : got.unique ? 'unique' : 'plain'} on (${got.columns.join(', ')}), ` +
            `schema says ${want.primary ? 'primary' : want.unique ? 'unique' : 'plain'} on (${want.columns.join(', ')})`,
        );
      }
    }
    for (const got of table.indexes) {
      if (!expected.some((x) => x.name === got.name)) problems.push(`${tableName}: index ${got.name} not in schema.prisma`);
    }

    // Foreign keys from relation fields that hold the reference.
    const relations = model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length);
    const expectedFks: ForeignKey[] = relations.map((f) => {
      const target = models.get(f.type);
      const columns = (f.relationFromFields ?? []).map(columnOf);
      const refColumns = (f.relationToFields ?? []).map((n) => target?.fields.find((x) => x.name === n)?.dbName ?? n);
      const fromRequired = (f.relationFromFields ?? []).every((n) => model.fields.find((x) => x.name === n)?.isRequired);
      return {
        name: `${tableName}_${columns.join('_')}_fkey`,
        columns,
        refTable: target ? tableOf(target) : f.type,
        refColumns,
        onDelete: f.relationOnDelete ?? (fromRequired ? 'Restrict' : 'SetNull'),
        onUpdate: f.relationOnUpdate ?? 'Cascade',
      };
    });
    for (const want of expectedFks) {
      const got = table.foreignKeys.find((x) => same(x.columns, want.columns));
      if (!got) {
        problems.push(`${tableName}: foreign key (${want.columns.join(', ')}) → ${want.refTable} missing`);
        continue;
      }
      const describe = (k: ForeignKey) => `${k.refTable}(${k.refColumns.join(', ')}) ON DELETE ${k.onDelete} ON UPDATE ${k.onUpdate}`;
      if (got.refTable !== want.refTable || !same(got.refColumns, want.refColumns) || got.onDelete !== want.onDelete || got.onUpdate !== want.onUpdate) {
        problems.push(`${tableName}: foreign key (${want.columns.join(', ')}) is ${describe(got)}, schema says ${describe(want)}`);
      }
    }
    for (const got of table.foreignKeys) {
      if (!expectedFks.some((x) => same(x.columns, got.columns))) problems.push(`${tableName}: foreign key ${got.name} not in schema.prisma`);
    }
  }
  for (const name of actual.tables.keys()) if (!expectedTables.has(name)) problems.push(`table ${name}: not in schema.prisma`);
  return problems;
}
