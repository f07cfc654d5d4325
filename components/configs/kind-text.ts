// What each kind of configuration is for, and what the actions on it mean,
// in the words the overview and its dialogs use.
import type { TConfigKind } from '@/lib/schemas/providers/types';

export const KIND_TEXT: Record<
  TConfigKind,
  {
    name: string;
    title: string;
    purpose: string;
    primaryMeans: string;
    disableMeans: string;
    noPrimaryMeans: string;
    deleteMeans: string;
    deleteAcknowledge: string;
  }
> = {
  kms: {
    name: 'KMS',
    title: 'Key management (KMS)',
    purpose:
      'A KMS configuration tells the vendor’s key proxies how to reach a key in your own key management system — AWS KMS, Google Cloud KMS, Azure Key Vault, Thales CipherTrust or Vault — and with which credentials. Your data at the vendor is encrypted under that key, so you can revoke the vendor’s access at any time by disabling it. The primary configuration is the key used for new encryptions; other active ones stay available to decrypt older data.',
    primaryMeans: 'New encryptions for this tenant will use this key.',
    disableMeans:
      'The key proxies stop using it within seconds: data encrypted under this key cannot be decrypted through them until you enable it again.',
    noPrimaryMeans:
      'New encryptions for this tenant will fail until you make an active KMS configuration primary. Data encrypted earlier stays readable while its KMS configuration is active.',
    deleteMeans: 'Data encrypted under this key may become undecryptable for good, unless an identical configuration is registered again.',
    deleteAcknowledge: 'I understand that data encrypted under this configuration may become undecryptable.',
  },
  siem: {
    name: 'SIEM',
    title: 'Audit log delivery (SIEM)',
    purpose:
      'A SIEM configuration tells the vendor’s key proxies where to send an audit event for every use of your keys — Splunk, Elastic, Datadog, Sumo Logic, Google Cloud Logging, Azure Monitor, syslog or a webhook — so you see each encryption and decryption in your own monitoring. The primary configuration is the destination events are sent to.',
    primaryMeans: 'The key proxies will send this tenant’s audit events to this destination.',
    disableMeans: 'The key proxies stop sending audit events to it within seconds, until you enable it again.',
    noPrimaryMeans: 'The key proxies will deliver no audit events for this tenant until you make an active SIEM configuration primary.',
    deleteMeans: 'The destination and its credentials are forgotten; audit events are no longer sent there.',
    deleteAcknowledge: 'I understand that this destination and every version of its settings are removed.',
  },
};
