// The console's sentences about data rights, in English and French (merged into admin-messages.ts).
export const dataRightsEn = {
} as const;

export const dataRightsFr: Record<keyof typeof dataRightsEn, string> = {
};
