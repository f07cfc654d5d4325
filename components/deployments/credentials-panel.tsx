'use client';
// A new deployment's credentials, shown once: the key fingerprint to read to
// tenant admins, and the credentials file (API key and private key) to
// download. Leaving the page before the file was downloaded asks first; once
// this panel is closed the private key is gone for good.
import type { JWK } from 'jose';
import { useState } from 'react';
import { credentialsFileName, downloadCredentials } from '@/lib/client/deployment-credentials';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { Fingerprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useLeaveWarning } from './use-leave-warning';

/**
 * `publicJwk` is the public half of the key made in this browser (the one in
 * the credentials file), never the broker's echo of it: the fingerprint shown
 * here is what tenant admins approve, so it must not come from the broker.
 */
export type TNewCredentials = { name: string; publicJwk: JWK; credentials: TProxyCredentials };

const LEAVE = 'The credentials file of the new deployment has not been downloaded. It cannot be shown again. Leave anyway?';

export function CredentialsPanel({ created, onDone }: { created: TNewCredentials; onDone: () => void }) {
  const [downloaded, setDownloaded] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  useLeaveWarning(!downloaded, LEAVE);
  const fileName = credentialsFileName(created.name);

  return (
    <div className="space-y-4" data-testid="new-deployment-credentials">
      <Alert tone="warning" title={`Deployment ${created.name} created — download its credentials file now`}>
        The file holds the deployment’s API key and its private decryption key. It is shown only this once: the broker never had the
        private key and keeps only a hash of the API key. Store the file as a secret of the proxy deployment (for example in your secret
        manager) and nowhere else.
      </Alert>
      <div>
        <p className="text-sm font-medium">Key fingerprint</p>
        <p className="mb-2 text-sm text-slate-600 dark:text-slate-400">
          Tenant admins approve this deployment after comparing this fingerprint with the one their browser shows. Read it to them, or
          send it through a channel other than the broker.
        </p>
        <Fingerprint jwk={created.publicJwk} label={`Key fingerprint of ${created.name}`} size={56} />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button
          onClick={() => {
            downloadCredentials(created.credentials, fileName);
            setDownloaded(true);
          }}
        >
          Download credentials file
        </Button>
        <Button variant="secondary" onClick={() => (downloaded || confirmClose ? onDone() : setConfirmClose(true))}>
          {downloaded ? 'Done' : confirmClose ? 'Close without the file' : 'Close'}
        </Button>
        <span role="status" className="text-sm">
          {downloaded ? `Downloaded as ${fileName}.` : ''}
        </span>
      </div>
      {confirmClose && !downloaded ? (
        <Alert tone="error" title="The file has not been downloaded">
          Without it the deployment cannot decrypt anything: you would have to delete it and create a new one. Close anyway with the button
          above, or download the file first.
        </Alert>
      ) : null}
    </div>
  );
}
