// The vendor operator console's frame: the guard and the sub-navigation.
// Layouts are not re-run on client-side navigation between their pages, so
// every page under here calls pageOperator itself as well; this call only
// keeps the navigation from rendering for someone who may not see it.
import type { ReactNode } from 'react';
import { pageOperator } from '@/lib/server/page-guards';
import { OperatorNav } from '@/components/operator/operator-nav';

export default async function OperatorLayout({ children }: { children: ReactNode }) {
  await pageOperator();
  return (
    <div className="space-y-8">
      <OperatorNav />
      {children}
    </div>
  );
}
