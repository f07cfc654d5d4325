import { ReadinessPanel } from '@/components/status/readiness-panel';
import { isOperatorVisitor } from '@/lib/server/page-guards';

const ROLES = [
  {
    title: 'Tenant admins',
    text: 'Register the tenant’s KMS and SIEM configurations. Credentials are validated, signed and encrypted in the browser before they are sent; the broker stores ciphertext it cannot open.',
  },
  {
    title: 'Vendor operators',
    text: 'Onboard tenants, create proxy deployments and follow how every change propagates — from metadata alone, never a secret.',
  },
  {
    title: 'Key proxies',
    text: 'Fetch signed bundles, verify the whole chain from the broker’s key to the tenant’s signature, decrypt with their own private key and report what they applied.',
  },
];

export default async function HomePage() {
  // The database and its migrations are for operators; everyone else sees ready or not.
  const withDetails = await isOperatorVisitor();
  return (
    <div className="space-y-12">
      <section className="max-w-3xl space-y-4">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Customer-managed keys, delivered without trust in the middle</h1>
        <p className="text-lg text-slate-600 dark:text-slate-300">
          This broker hands each tenant’s key-management and SIEM settings to the vendor’s key proxies. Neither the
          vendor, nor this server, nor its database can read or forge them: the tenant seals them, the proxies verify
          them, and the broker can at most withhold an update — which every tenant admin can see.
        </p>
      </section>
      <section aria-labelledby="roles-heading">
        <h2 id="roles-heading" className="sr-only">
          Who uses the broker
        </h2>
        <ul className="grid gap-6 md:grid-cols-3">
          {ROLES.map((role) => (
            <li key={role.title} className="rounded-xl border border-slate-200 p-6 dark:border-slate-800">
              <h3 className="font-semibold">{role.title}</h3>
              <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{role.text}</p>
            </li>
          ))}
        </ul>
      </section>
      <ReadinessPanel withDetails={withDetails} />
    </div>
  );
}
