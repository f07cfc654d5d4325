// The second factor's recovery codes as a text file, made in the browser: the
// codes are shown once and never sent anywhere again, so the file cannot come
// from the server. The header says whose codes they are, for which broker and
// when they were made, so a printout or an old file can be told apart.

export type TRecoveryCodesFile = { email: string; origin: string; codes: string[]; createdAt: Date };

/** "2025-06-01 14:03 UTC": unambiguous wherever the file is read. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function recoveryCodesText({ email, origin, codes, createdAt }: TRecoveryCodesFile): string {
  return [
    'CMK configuration broker: recovery codes for your second factor',
    `Account: ${email}`,
    `Broker: ${origin}`,
    `Created: ${utcMinute(createdAt)}`,
    '',
    'Each code works once, in place of the code from your authenticator app.',
    'Keep them offline, and not next to your passphrase.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** "cmk-broker-recovery-codes-2025-06-01.txt" */
export function recoveryCodesFileName(createdAt: Date): string {
  return `cmk-broker-recovery-codes-${createdAt.toISOString().slice(0, 10)}.txt`;
}
