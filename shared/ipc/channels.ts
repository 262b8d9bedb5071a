/**
 * The channel names alone, free of schemas, for the preload (which must stay
 * small). contract.ts is checked against this list at compile time both ways.
 */
export const channelNames = [
  'app:info',
  'servers:list',
  'servers:probe',
  'servers:check',
  'servers:get',
  'servers:save',
  'servers:test',
  'servers:delete-config',
  'sandbox:create',
  'jobs:list',
  'jobs:logs',
  'jobs:cancel',
  'checks:list',
  'backups:list',
  'backups:show',
  'backups:start',
  'backups:delete',
  'backups:verify',
  'backups:keep',
  'wal:coverage',
  'wal:restore-points',
  'disk:report',
  'disk:measure',
  'disk:history',
  'restore:plan',
  'restore:start',
  'restore:drill',
  'restore:outcome',
] as const;

export type ChannelName = (typeof channelNames)[number];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && (channelNames as readonly string[]).includes(value);
}
