/**
 * THE list of channels: 'domain:verb' -> { input, output } schemas. Every door
 * (Electron IPC, the serve host, the renderer's clients) is derived from this
 * object; no other channel string exists in the code.
 */
import { z } from 'zod';
import { JobId, ServerName } from '../domain/names';
import { JobLogLine, JobSnapshot } from '../domain/job';
import { ConfigWarning, ServerProbe, ServerSummary } from '../domain/server';
import { channelNames, isChannelName, type ChannelName } from './channels';

const NoInput = z.object({}).strict();

export const AppInfo = z.object({
  version: z.string(),
  home: z.string(),
  configFile: z.string(),
  transport: z.enum(['electron', 'http']),
  warnings: z.array(ConfigWarning),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;

export const contract = {
  'app:info': { input: NoInput, output: AppInfo },
  'servers:list': { input: NoInput, output: z.array(ServerSummary) },
  'servers:probe': { input: z.object({ server: ServerName }).strict(), output: ServerProbe },
  /** runs `check` for the server as a job; the results arrive as the server's health */
  'servers:check': { input: z.object({ server: ServerName }).strict(), output: JobRef },
  'sandbox:create': { input: NoInput, output: JobRef },
  'jobs:list': { input: NoInput, output: z.array(JobSnapshot) },
  'jobs:logs': { input: z.object({ jobId: JobId }).strict(), output: z.array(JobLogLine) },
  'jobs:cancel': { input: z.object({ jobId: JobId }).strict(), output: z.object({ cancelled: z.boolean() }) },
} as const satisfies Record<ChannelName, { input: z.ZodType; output: z.ZodType }>;

export type Contract = typeof contract;
// Every contract key is in channels.ts (checked by `satisfies` above) and every name there has a schema here:
const everyChannelHasSchemas: Record<ChannelName, unknown> = contract;
void everyChannelHasSchemas;
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;

export { channelNames, isChannelName, type ChannelName };
