// CRC32C (Castagnoli), the checksum Cloud KMS uses for end-to-end integrity
// of encrypt and decrypt: the request carries it for what we send, and the
// answer carries it for what KMS sends back, as decimal strings (int64 in
// proto3 JSON). https://cloud.google.com/kms/docs/data-integrity-guidelines
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    // 0x82f63b78 is the reflected Castagnoli polynomial 0x1edc6f41.
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** As the JSON field carries it: the decimal string of an int64. */
export const crc32cField = (bytes: Uint8Array): string => String(crc32c(bytes));
