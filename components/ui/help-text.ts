// The look of help text under a control, shared by every form: 14 px (text-sm),
// never smaller, since people read it to fill the field in; slate-600 on white
// and slate-400 on the dark background both keep AA contrast (≥ 4.5:1).
// A plain module, not 'use client', so server components can use the string too.
export const HELP_TEXT = 'text-sm text-slate-600 dark:text-slate-400';
