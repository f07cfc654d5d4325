// Operator console: one proxy deployment (keys, rotation, disable, delete).
import { notFound } from 'next/navigation';
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { ZDeploymentId } from '@/lib/schemas/deployments';
import { DeploymentDetail } from '@/components/deployments/deployment-detail';

export const generateMetadata = operatorPageMetadata<{ id: string }>('Proxy deployment', (path) => ZDeploymentId.safeParse(path.id).success);

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  await pageOperator();
  const { id } = await params;
  if (!ZDeploymentId.safeParse(id).success) notFound();
  return <DeploymentDetail id={id} />;
}
