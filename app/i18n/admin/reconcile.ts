// The console's sentences about reconcile, in English and French (merged into admin-messages.ts).
export const reconcileEn = {
} as const;

export const reconcileFr: Record<keyof typeof reconcileEn, string> = {
};
