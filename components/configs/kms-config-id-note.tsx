// A KMS configuration's kmsConfigId, as the signed tenant state gives it: the
// number the key proxies write into every encrypted document key made with
// this configuration, so that decrypting uses exactly this one. States signed
// before ids existed have none until the tenant's next change, which is said
// in words rather than left blank. A span: it sits inside the page header's
// description paragraph.
export function KmsConfigIdNote({ kmsConfigId }: { kmsConfigId: number | null }) {
  return (
    <span className="mt-2 block text-sm" data-testid="kms-config-id">
      {kmsConfigId === null ? (
        <>
          <span className="font-medium text-slate-900 dark:text-slate-100">KMS configuration id:</span> assigned on the next change to this tenant’s
          configurations; from then on it is written into every encrypted document key this configuration makes.
        </>
      ) : (
        <>
          <span className="font-medium text-slate-900 dark:text-slate-100">KMS configuration id {kmsConfigId}</span> — written into every encrypted
          document key this configuration makes, and signed by your tenant, so decrypting always uses exactly this configuration.
        </>
      )}
    </span>
  );
}
