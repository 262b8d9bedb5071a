/**
 * The one client interface the renderer uses, whatever the transport. A
 * transport only moves envelopes; this module validates what comes back.
 */
import { contract, type ChannelInput, type ChannelName, type ChannelOutput } from './contract';
import { EnvelopeShape, type Envelope } from './envelope';
import { PushEvent } from './events';
import { EngineError, type ErrorPayload } from '../errors';

export interface BarkeepClient {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (event: PushEvent) => void): () => void;
}

/** What a transport provides: raw envelopes out, raw events in. */
export interface ClientTransport {
  call(channel: ChannelName, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (raw: unknown) => void): () => void;
}

export class ClientError extends EngineError {
  constructor(payload: ErrorPayload) {
    super(payload.code, payload.message, payload.hint);
    this.name = 'ClientError';
  }
}

export function createClient(transport: ClientTransport): BarkeepClient {
  return {
    async invoke(channel, input) {
      const raw = EnvelopeShape.parse(await transport.call(channel, input));
      if (!raw.ok) throw new ClientError(raw.error);
      return contract[channel].output.parse(raw.value) as ChannelOutput<typeof channel>;
    },
    onEvent(listener) {
      return transport.subscribe((raw) => {
        const parsed = PushEvent.safeParse(raw);
        if (parsed.success) listener(parsed.data);
        else console.warn('barkeep: ignored a malformed event', parsed.error.issues[0]?.message);
      });
    },
  };
}
