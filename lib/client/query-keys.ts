// Query-key factories, one per feature; mutations invalidate exact keys.
export const systemKeys = {
  all: ['system'] as const,
  readiness: () => [...systemKeys.all, 'readiness'] as const,
};
