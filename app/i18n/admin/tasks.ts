// The console's sentences about tasks, in English and French (merged into admin-messages.ts).
export const tasksEn = {
} as const;

export const tasksFr: Record<keyof typeof tasksEn, string> = {
};
