/**
 * How many sessions (channels running a command) one SSH connection may hold
 * open at once: sshd's MaxSessions, 10 unless the server's sshd_config says
 * otherwise. Whoever runs several commands at once on one connection stays
 * under it; a refusal says which setting to change.
 */

/** sshd's default MaxSessions. */
export const sshdMaxSessions = 10;

/** The hint for a channel sshd refused to open: usually MaxSessions reached. */
export const sessionRefusedHint = `sshd refuses sessions beyond its MaxSessions (${sshdMaxSessions} unless sshd_config says otherwise) on one connection:`
  + ' lower parallel_jobs, or raise MaxSessions in the sshd_config of the PostgreSQL host';
