'use client';
// The results of a configuration test, one row per approved deployment, as
// they arrive (polled every second by use-config-test.ts): waiting (with a
// countdown to the pick-up deadline, never an endless spinner), running,
// passed or failed with the step and code in words (lib/config-test-words.ts),
// the latency, and "not reached" / "no result". A polite live region says
// how many have answered, then the summary. Also the two entry points: the
// configuration page's Test card and the forms' "Test before saving".
import { useEffect, useState } from 'react';
import { TABLE_FIT, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { ApiError } from '@/lib/client/fetchers';
import { latencyWords, secondsLeft, startRefusedWords, summaryWords, targetWords } from '@/lib/config-test-words';
import { CONFIG_TEST_PICKUP_MS, type TConfigTestView, type TStartConfigTest } from '@/lib/schemas/config-tests';
import { useConfigTest } from './use-config-test';

/** A clock that ticks each second only while `running`, for the countdown. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function StartRefused({ error }: { error: unknown }) {
  const e = error instanceof ApiError ? error : { message: error instanceof Error ? error.message : 'The test could not be started.' };
  const words = startRefusedWords(e);
  return (
    <Alert tone={'status' in e && e.status === 429 ? 'warning' : 'error'} title={words.title}>
      {words.detail}
    </Alert>
  );
}

export function ConfigTestResults({ test, pollFailed }: { test: TConfigTestView; pollFailed: boolean }) {
  const waiting = test.targets.some((t) => t.state === 'waiting');
  const now = useNow(!test.finished);
  const left = secondsLeft(test.pickupBy, now, CONFIG_TEST_PICKUP_MS);
  const answered = test.targets.filter((t) => t.state !== 'waiting' && t.state !== 'running').length;
  const announcement = test.finished ? summaryWords(test.targets) : `${answered} of ${test.targets.length} deployments answered.`;
  return (
    <div className="space-y-3" data-testid="config-test-results" data-test-id={test.testId} data-finished={test.finished}>
      <p role="status" aria-live="polite" className="text-sm font-medium">
        {announcement}
      </p>
      {pollFailed && !test.finished ? <Alert tone="warning">The latest results could not be fetched; trying again.</Alert> : null}
      <TableScroller label="Test results per deployment">
        <table className={TABLE_FIT}>
          <caption className="sr-only">Result of the test at each approved deployment</caption>
          <thead>
            <tr>
              <th scope="col" className={TH}>Deployment</th>
              <th scope="col" className={TH}>Result</th>
              <th scope="col" className={TH}>What it means</th>
              <th scope="col" className={TH}>Latency</th>
            </tr>
          </thead>
          <tbody>
            {test.targets.map((target) => {
              const words = targetWords(target, left);
              return (
                <tr key={target.deploymentId} data-testid={`config-test-target-${target.name}`} data-state={target.state} data-outcome={target.result?.outcome ?? ''}>
                  <th scope="row" className={`${TD} font-medium`}>
                    {target.name}
                  </th>
                  <td className={`${TD} whitespace-nowrap`}>
                    <Badge tone={words.tone}>{words.label}</Badge>
                  </td>
                  <td className={TD}>
                    {words.detail}
                    {target.result ? (
                      <span className="block text-xs text-slate-600 dark:text-slate-400">
                        Reported <DateTime at={target.result.at} /> by proxy {target.result.instanceId}
                        {target.result.code ? ` (code ${target.result.code})` : ''}
                      </span>
                    ) : null}
                  </td>
                  <td className={`${TD} whitespace-nowrap`}>{target.result ? latencyWords(target.result.latencyMs) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroller>
      {waiting ? (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          A deployment whose proxies do not pick the test up within {CONFIG_TEST_PICKUP_MS / 1000} s is shown as not reached.
        </p>
      ) : null}
    </div>
  );
}

/** The Test button and its results, for any caller that knows how to build the request. */
export function ConfigTestRunner({
  tenant,
  label,
  ariaLabel,
  disabled,
  prepare,
}: {
  tenant: string;
  label: string;
  ariaLabel?: string;
  disabled?: boolean;
  /**
   * Checks what it can at once and returns how to build the request (sealing a draft may fail, in words), or null
   * when it refused (invalid fields: the form shows why).
   */
  prepare: () => (() => Promise<TStartConfigTest>) | null;
}) {
  const { start, view, current } = useConfigTest(tenant);
  const running = start.isPending || (!!current && !current.finished);
  return (
    <div className="space-y-3">
      <Button
        variant="secondary"
        aria-label={ariaLabel}
        busy={start.isPending}
        busyLabel="Starting…"
        disabled={disabled || running}
        onClick={() => {
          start.reset();
          const build = prepare();
          if (build) start.mutate(build);
        }}
      >
        {running && !start.isPending ? 'Testing…' : label}
      </Button>
      {start.isError ? <StartRefused error={start.error} /> : null}
      {current ? <ConfigTestResults test={current} pollFailed={view.isError} /> : null}
    </div>
  );
}

/** The configuration page's card: tests the version on screen at every approved deployment. */
export function ConfigTestCard({ tenant, configId, version, label, kind }: { tenant: string; configId: string; version: number; label: string; kind: 'kms' | 'siem' }) {
  return (
    <Card
      id="test"
      title="Test"
      description={
        kind === 'kms'
          ? `Each approved deployment wraps and unwraps a random key with version ${version}, for this tenant, and says whether it worked.`
          : `Each approved deployment sends one event marked as a test with version ${version}, and says whether it was accepted.`
      }
    >
      <ConfigTestRunner tenant={tenant} label="Test" ariaLabel={`Test ${label} version ${version}`} prepare={() => async () => ({ configId, version })} />
    </Card>
  );
}
