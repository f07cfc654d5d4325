// The SIEM providers, in the order the form lists them.
import { azureMonitor } from './azure-monitor';
import { datadog } from './datadog';
import { elastic } from './elastic';
import { googleCloudLogging } from './google-cloud-logging';
import { splunkHec } from './splunk-hec';
import { sumoLogic } from './sumo-logic';
import { syslogTls } from './syslog-tls';
import { webhook } from './webhook';

export const SIEM_PROVIDERS = [splunkHec, googleCloudLogging, elastic, datadog, sumoLogic, azureMonitor, syslogTls, webhook] as const;

export type TSiemProviderId = (typeof SIEM_PROVIDERS)[number]['id'];
