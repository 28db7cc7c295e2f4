// The console's sentences about usage, in English and French (merged into admin-messages.ts).
export const usageEn = {
} as const;

export const usageFr: Record<keyof typeof usageEn, string> = {
};
