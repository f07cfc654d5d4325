// Operator console: the vendor API reference, rendered from the same OpenAPI
// document that /api/v1/openapi.json serves.
import { getEnv } from '@/lib/env';
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { buildOpenApiDocument } from '@/lib/server/vendor/openapi';
import { OpenApiView } from '@/components/api-docs/openapi-view';
import { PageHeader } from '@/components/ui/card';

export const generateMetadata = operatorPageMetadata('API docs');

export default async function Page() {
  await pageOperator();
  const document = buildOpenApiDocument(getEnv().PUBLIC_URL);
  return (
    <div className="space-y-8">
      <PageHeader title="Vendor API" description="Onboard tenants and follow proxy deployments from your own systems, with an API token." />
      <OpenApiView document={document} documentUrl="/api/v1/openapi.json" />
    </div>
  );
}
