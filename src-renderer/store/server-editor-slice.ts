/**
 * The server editor's slice: the edited server's own options (servers:get),
 * and the editor's requests (test, save, remove), which never reject: their
 * outcome comes back to the editor, which shows it where the person is. The
 * draft itself, passwords included, lives in the editor and dies with it.
 */
import type { ServerName } from '../../shared/domain/names';
import type { ConnectionTestReport, RemovedServer, SaveServerResult, ServerEdit, ServerEditorState } from '../../shared/domain/server-editor';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { describeError, type Problem } from './describe-error';
import type { Loadable } from './server-view-slice';

export type EditorOutcome<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export interface ServerEditorSlice {
  /** by server name */
  editorStates: Partial<Record<string, Loadable<ServerEditorState>>>;
  loadServerEditor(server: string): Promise<void>;
  testServerEdit(edit: ServerEdit): Promise<EditorOutcome<ConnectionTestReport>>;
  /** on success the servers list is refetched before this resolves */
  saveServerEdit(edit: ServerEdit): Promise<EditorOutcome<SaveServerResult>>;
  removeServerConfig(server: string): Promise<EditorOutcome<RemovedServer>>;
}

export const createServerEditorSlice =
  ({ client }: StoreDeps): SliceCreator<ServerEditorSlice> =>
  (set, get) => {
    /** A failed request becomes the editor's problem; an unauthorized one the whole window's. */
    async function attempt<T>(action: string, run: () => Promise<T>): Promise<EditorOutcome<T>> {
      try {
        return { ok: true, value: await run() };
      } catch (error) {
        const problem = describeError(error, action);
        if (problem.code === 'unauthorized') get().failFatally(problem);
        return { ok: false, problem };
      }
    }

    const setEditorState = (server: string, value: Loadable<ServerEditorState>): void =>
      set((state) => ({ editorStates: { ...state.editorStates, [server]: value } }));

    return {
      editorStates: {},

      async loadServerEditor(server) {
        const previous = get().editorStates[server]?.value ?? null;
        setEditorState(server, { status: 'loading', value: previous });
        // The name comes from the address; the contract checks it again.
        const outcome = await attempt(`read the settings of ${server}`, () => client.invoke('servers:get', { server: server as ServerName }));
        setEditorState(server, outcome.ok ? { status: 'loaded', value: outcome.value } : { status: 'failed', value: previous, problem: outcome.problem });
      },

      testServerEdit(edit) {
        return attempt('test the connection', () => client.invoke('servers:test', edit));
      },

      async saveServerEdit(edit) {
        const outcome = await attempt(`save server ${edit.form.name}`, () => client.invoke('servers:save', edit));
        if (outcome.ok && outcome.value.saved) {
          // The list must hold the server before the editor hands over to it; the invalidation may come later.
          await get().refreshServers();
          const { name } = outcome.value;
          get().notify(edit.original === null ? 'Server added' : 'Server saved', `${name} is written to ${outcome.value.configFile}.`);
          set((state) => {
            const editorStates = { ...state.editorStates };
            delete editorStates[name];
            return { editorStates };
          });
        }
        return outcome;
      },

      async removeServerConfig(server) {
        const outcome = await attempt(`remove server ${server}`, () => client.invoke('servers:delete-config', { server: server as ServerName }));
        if (outcome.ok) {
          await get().refreshServers();
          get().notify('Server removed', `${server}'s configuration${outcome.value.secretsRemoved ? ' and stored secrets were' : ' was'} removed; its backups stay on disk.`);
        }
        return outcome;
      },
    };
  };
