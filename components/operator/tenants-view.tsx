'use client';
// The operator console's tenants page: every tenant with its status, its
// admins and the invitations still open, plus the form that onboards a new
// one. Metadata only; nothing here can show a tenant's settings.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, type TTenantRow } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { CreateTenantForm } from './create-tenant-form';
import { formatDateTime, sentTimes } from './format';
import { useInvitationActions, type TInvitationTarget } from './invitation-actions';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';

const STATUS: Record<TTenantRow['status'], { label: string; tone: 'success' | 'warning' | 'danger' }> = {
  active: { label: 'Active', tone: 'success' },
  invited: { label: 'Invited', tone: 'warning' },
  suspended: { label: 'Suspended', tone: 'danger' },
};

export function TenantsView() {
  const tenants = useQuery({ queryKey: operatorKeys.tenants(), queryFn: api.tenants });
  const invitations = useInvitationActions(operatorKeys.tenants());

  return (
    <div className="space-y-8">
      <PageHeader
        title="Tenants"
        description="Your customers. Their admins keep each tenant’s KMS and SIEM settings sealed; here you see status and invitations only."
        actions={
          <a
            href="#new-tenant"
            className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-900 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800"
          >
            New tenant
          </a>
        }
      />
      <Card id="tenants" title="All tenants">
        <div className="space-y-4">
          {invitations.notice}
          {tenants.isPending ? (
            <LoadingState>Loading tenants…</LoadingState>
          ) : tenants.isError ? (
            <LoadError title="Could not load tenants." error={tenants.error} retrying={tenants.isFetching} onRetry={() => void tenants.refetch()} />
          ) : tenants.data.tenants.length === 0 ? (
            <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400">
              <p className="font-medium text-slate-900 dark:text-slate-100">No tenants yet.</p>
              <p>
                A tenant is one of your customers. Its admins register its KMS and SIEM settings, sealed with keys that
                only their browsers hold; your key proxies use them, and you see only whether they arrived. Create the
                first tenant below: its first admin gets an invitation by mail.
              </p>
            </div>
          ) : (
            <TenantsTable rows={tenants.data.tenants} renderActions={invitations.renderActions} />
          )}
        </div>
      </Card>
      <Card id="new-tenant" title="New tenant" description="Creates the tenant and invites its first admin, who sets up the tenant’s keys.">
        <CreateTenantForm />
      </Card>
      {invitations.dialog}
    </div>
  );
}

function TenantsTable({ rows, renderActions }: { rows: TTenantRow[]; renderActions: (target: TInvitationTarget) => ReactNode }) {
  return (
    <TableScroller label="Tenants table">
      <table className={TABLE}>
        <caption className="sr-only">Tenants, with their admins and open invitations</caption>
        <thead>
          <tr>
            <th scope="col" className={TH}>Tenant id</th>
            <th scope="col" className={TH}>Name</th>
            <th scope="col" className={TH}>Environment</th>
            <th scope="col" className={TH}>Status</th>
            <th scope="col" className={TH}>Admins</th>
            <th scope="col" className={TH}>Open invitations</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((tenant) => (
            <tr key={tenant.id}>
              <th scope="row" className={`${TD} font-mono font-medium`}>
                {tenant.externalId}
              </th>
              <td className={TD}>{tenant.displayName}</td>
              <td className={`${TD} font-mono`}>{tenant.environment}</td>
              <td className={TD}>
                <Badge tone={STATUS[tenant.status].tone}>{STATUS[tenant.status].label}</Badge>
              </td>
              <td className={TD}>
                {tenant.admins.confirmed} confirmed, {tenant.admins.pending} pending
              </td>
              <td className={TD}>
                {tenant.openInvitations.length === 0 ? (
                  <span className="text-slate-500 dark:text-slate-400">None</span>
                ) : (
                  <ul className="space-y-3">
                    {tenant.openInvitations.map((invitation) => (
                      <li key={invitation.id} className="space-y-1">
                        <p className="font-medium break-all">{invitation.email}</p>
                        <p className="flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
                          {invitation.expired ? (
                            <Badge tone="danger">expired</Badge>
                          ) : (
                            <span>
                              expires <time dateTime={invitation.expiresAt}>{formatDateTime(invitation.expiresAt)}</time>
                            </span>
                          )}
                          <span>· {sentTimes(invitation.sendCount)}</span>
                        </p>
                        {renderActions({ id: invitation.id, email: invitation.email, context: ` for ${tenant.externalId}` })}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}
