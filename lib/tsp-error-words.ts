// Words for the TSP error codes (lib/tsp/errors.ts, the reference clients'
// numbering) as a tenant admin or an operator reads them next to usage
// counts. Shared by the browser and the server, so it holds no Node code and
// does not import lib/tsp; tsp-error-words.test.ts keeps it in step.
export const TSP_ERROR_WORDS: Readonly<Record<string, string>> = {
  '100': 'Proxy error or not serving',
  '101': 'Wrong proxy API key',
  '102': 'Invalid request',
  '200': 'No primary KMS configuration',
  '201': 'Unknown tenant',
  '202': 'KMS configuration disabled',
  '203': 'Invalid encrypted key (EDEK)',
  '204': 'KMS wrap failed',
  '205': 'KMS unwrap failed',
  '206': 'KMS refused access',
  '207': 'KMS configuration invalid',
  '208': 'KMS or SIEM unreachable',
  '209': 'KMS throttled',
  '210': 'KMS account issue',
  '301': 'Security event refused',
};

export function tspErrorWords(code: string): string {
  return TSP_ERROR_WORDS[code] ?? `Error ${code}`;
}
