/**
 * The shape every `barkeep` verb has: its help text, its options, and a run
 * function that receives parsed arguments, the output, and a lazily opened engine.
 */
import type { Engine } from '../engine/engine';
import type { GlobalArgs, VerbOptions } from './args';
import type { Output } from './output';

export interface VerbContext {
  global: GlobalArgs;
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  out: Output;
  /** opens the engine once; `createHome` makes a default home when none exists */
  engine(options?: { createHome?: boolean }): Engine;
  configFile: string;
}

export interface Verb {
  name: string;
  summary: string;
  usage: string;
  details?: string;
  options: VerbOptions;
  optionHelp?: readonly [string, string][];
  positionals: { min: number; max: number };
  /** accepts -f json */
  listing: boolean;
  run(ctx: VerbContext): Promise<number>;
}
