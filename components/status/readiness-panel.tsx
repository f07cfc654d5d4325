'use client';
// Live readiness of this broker. Everyone sees ready or not (/api/ready); a
// vendor operator also sees the database and its migrations
// (/api/v1/operator/readiness) — the page decides, on the server, who is one.
import { useReadiness } from '@/lib/client/use-readiness';

const DATABASE_NAMES = { pglite: 'Embedded PostgreSQL (PGlite)', postgresql: 'PostgreSQL' } as const;

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-wrap justify-between gap-2 py-2">
      <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="font-medium">{children}</dd>
    </div>
  );
}

export function ReadinessPanel({ withDetails = false }: { withDetails?: boolean }) {
  const { data, error, isPending, isFetching, refetch } = useReadiness(withDetails);

  let badge: { text: string; className: string };
  if (isPending) badge = { text: 'Checking…', className: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200' };
  else if (error) badge = { text: 'Unreachable', className: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200' };
  else if (data?.ok) badge = { text: 'Ready', className: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200' };
  else badge = { text: 'Not ready', className: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200' };

  return (
    <section
      id="status"
      aria-labelledby="status-heading"
      aria-busy={isFetching}
      className="rounded-xl border border-slate-200 p-6 dark:border-slate-800"
    >
      <div className="flex items-center justify-between gap-4">
        <h2 id="status-heading" className="text-lg font-semibold">
          System status
        </h2>
        <span role="status" className={`rounded-full px-3 py-1 text-sm font-medium ${badge.className}`}>
          {badge.text}
        </span>
      </div>
      {isPending ? (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">Asking the broker…</p>
      ) : error ? (
        <p className="mt-4 text-sm text-red-700 dark:text-red-300">{error.message}</p>
      ) : data?.ok && 'database' in data.body ? (
        <dl className="mt-4 divide-y divide-slate-200 text-sm dark:divide-slate-800">
          <Row label="Database">{DATABASE_NAMES[data.body.database]}</Row>
          <Row label="Migrations applied">{data.body.migrations.applied}</Row>
          <Row label="Migrations pending">{data.body.migrations.pending.length}</Row>
        </dl>
      ) : data?.ok ? (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">The broker is up and can serve requests.</p>
      ) : (
        <p className="mt-4 text-sm text-amber-900 dark:text-amber-200">{data?.body.detail}</p>
      )}
      <button
        type="button"
        onClick={() => void refetch()}
        disabled={isFetching}
        className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-900"
      >
        {isFetching ? 'Checking…' : 'Check again'}
      </button>
    </section>
  );
}
