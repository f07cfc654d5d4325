// The KMS providers a tenant can configure, in the order the form lists them.
import { awsKms } from './aws-kms';
import { azureKeyVault } from './azure-key-vault';
import { googleCloudKms } from './google-cloud-kms';
import { hashicorpVaultTransit } from './hashicorp-vault-transit';
import { thalesCipherTrust } from './thales-ciphertrust';

export const KMS_PROVIDERS = [awsKms, googleCloudKms, azureKeyVault, thalesCipherTrust, hashicorpVaultTransit] as const;

export type TKmsProviderId = (typeof KMS_PROVIDERS)[number]['id'];
