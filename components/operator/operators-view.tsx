'use client';
// The operator console's operators page: who can run this console, whether
// they use a second factor, the vendor-wide rule requiring one, and the
// operator invitations with their state.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, type TInvitation } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Alert } from '@/components/ui/alert';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { sentTimes } from './format';
import { DateTime } from '@/components/ui/date-time';
import { useInvitationActions } from './invitation-actions';
import { InviteOperatorForm } from './invite-operator-form';
import { errorMessage, LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';
import { Checkbox } from '@/components/ui/checkbox';

type TOperator = { id: string; email: string; createdAt: string; mfaEnabled: boolean };
type TInvitationStatus = 'open' | 'accepted' | 'revoked' | 'expired';

const STATUS_TONE: Record<TInvitationStatus, 'success' | 'warning' | 'danger' | 'neutral'> = {
  open: 'warning',
  accepted: 'success',
  revoked: 'neutral',
  expired: 'danger',
};

/** `asOf` is when the list was fetched, so the status matches the data shown (and render stays pure). */
function invitationStatus(invitation: TInvitation, asOf: number): TInvitationStatus {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  return Date.parse(invitation.expiresAt) <= asOf ? 'expired' : 'open';
}

export function OperatorsView() {
  const operators = useQuery({ queryKey: operatorKeys.operators(), queryFn: api.operators });
  const invitations = useInvitationActions(operatorKeys.operators());

  return (
    <div className="space-y-8">
      <PageHeader
        title="Operators"
        description="People at your company who run this console. Operators see tenants’ status and metadata, never a tenant’s keys or settings."
      />
      <Card id="operators" title="All operators">
        {operators.isPending ? (
          <LoadingState>Loading operators…</LoadingState>
        ) : operators.isError ? (
          <LoadError title="Could not load operators." error={operators.error} retrying={operators.isFetching} onRetry={() => void operators.refetch()} />
        ) : (
          <OperatorsTable rows={operators.data.operators} />
        )}
      </Card>
      <Card id="second-factor" title="Second factor">
        <SecondFactorRule withoutSecondFactor={operators.data?.operators.filter((o) => !o.mfaEnabled).length} />
      </Card>
      <Card id="invite-operator" title="Invite an operator">
        <InviteOperatorForm />
      </Card>
      <Card id="operator-invitations" title="Operator invitations">
        <div className="space-y-4">
          {invitations.notice}
          {operators.isPending ? (
            <LoadingState>Loading invitations…</LoadingState>
          ) : operators.isError ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">The invitations load with the operators above.</p>
          ) : operators.data.invitations.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">No operator invitations yet. Invite a colleague with the form above.</p>
          ) : (
            <TableScroller label="Operator invitations table">
              <table className={TABLE}>
                <caption className="sr-only">Operator invitations and their state</caption>
                <thead>
                  <tr>
                    <th scope="col" className={TH}>Email</th>
                    <th scope="col" className={TH}>Status</th>
                    <th scope="col" className={TH}>Sent</th>
                    <th scope="col" className={TH}>Expires</th>
                    <th scope="col" className={TH}>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {operators.data.invitations.map((invitation) => {
                    const status = invitationStatus(invitation, operators.dataUpdatedAt);
                    return (
                      <tr key={invitation.id}>
                        <th scope="row" className={`${TD} font-medium break-all`}>
                          {invitation.email}
                        </th>
                        <td className={TD}>
                          <Badge tone={STATUS_TONE[status]}>{status}</Badge>
                        </td>
                        <td className={TD}>
                          {sentTimes(invitation.sendCount)}
                          <span className="block text-xs text-slate-600 dark:text-slate-400">
                            last <DateTime at={invitation.lastSentAt} />
                          </span>
                        </td>
                        <td className={TD}>
                          <DateTime at={invitation.expiresAt} />
                        </td>
                        <td className={TD}>
                          {/* Resending renews an expired invitation too, so both still have actions. */}
                          {status === 'open' || status === 'expired' ? invitations.renderActions({ id: invitation.id, email: invitation.email }) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableScroller>
          )}
        </div>
      </Card>
      {invitations.dialog}
    </div>
  );
}

function OperatorsTable({ rows }: { rows: TOperator[] }) {
  return (
    <TableScroller label="Operators table">
      <table className={TABLE}>
        <caption className="sr-only">Operators and whether they use a second factor</caption>
        <thead>
          <tr>
            <th scope="col" className={TH}>Email</th>
            <th scope="col" className={TH}>Operator since</th>
            <th scope="col" className={TH}>Second factor</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((operator) => (
            <tr key={operator.id}>
              <th scope="row" className={`${TD} font-medium break-all`}>
                {operator.email}
              </th>
              <td className={TD}>
                <DateTime at={operator.createdAt} />
              </td>
              <td className={TD}>{operator.mfaEnabled ? <Badge tone="success">on</Badge> : <Badge tone="warning">off</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

function SecondFactorRule({ withoutSecondFactor }: { withoutSecondFactor: number | undefined }) {
  const queryClient = useQueryClient();
  const checkboxId = useId();
  const explanationId = useId();
  const settings = useQuery({ queryKey: operatorKeys.settings(), queryFn: api.operatorSettings });
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  // The click's choice, set in the same event (the mutation's state arrives a tick later, and a controlled box would flip back meanwhile).
  const [choice, setChoice] = useState<boolean | null>(null);

  const save = useMutation({
    mutationFn: (required: boolean) => api.setOperatorSettings(required),
    onSuccess: (result) => {
      queryClient.setQueryData(operatorKeys.settings(), result);
      setNotice({
        tone: 'success',
        text: result.operatorsRequireMfa ? 'A second factor is now required for all operators.' : 'A second factor is now optional for operators.',
      });
    },
    onError: (error) => setNotice({ tone: 'error', text: `The rule was not changed: ${errorMessage(error)}` }),
    onSettled: () => {
      setChoice(null);
      return queryClient.invalidateQueries({ queryKey: operatorKeys.settings() });
    },
  });

  if (settings.isPending) return <LoadingState>Loading the rule…</LoadingState>;
  if (settings.isError) {
    return <LoadError title="Could not load the second-factor rule." error={settings.error} retrying={settings.isFetching} onRetry={() => void settings.refetch()} />;
  }

  // While saving, show what was asked for so the box does not flip back and forth.
  const isRequired = choice ?? settings.data.operatorsRequireMfa;
  return (
    <div className="space-y-4">
      <div className="flex items-start gap-3">
        <Checkbox
          id={checkboxId}
          checked={isRequired}
          disabled={save.isPending}
          aria-describedby={explanationId}
          onCheckedChange={(value) => {
            setNotice(null);
            setChoice(value);
            save.mutate(value);
          }}
          className="mt-0.5 size-4 rounded border-slate-300 accent-brand-600 dark:border-slate-700"
        />
        <label htmlFor={checkboxId} className="text-sm font-medium">
          Require a second factor for all operators
        </label>
      </div>
      <p id={explanationId} className="text-sm text-slate-600 dark:text-slate-400">
        Operators onboard tenants and invite people, so a stolen passphrase alone should not be enough. When this is on,
        every operator account must have a second factor (an authenticator app, asked for at sign-in): operators
        without one are prompted to set it up, and nobody can turn theirs off.
        {withoutSecondFactor ? ` ${withoutSecondFactor === 1 ? '1 operator has' : `${withoutSecondFactor} operators have`} no second factor yet (see the table above).` : ''}
      </p>
      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
    </div>
  );
}
