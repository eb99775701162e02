/** How urgent a task (or a campaign step's task) is; the queue hands out urgent first. */
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
