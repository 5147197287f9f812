import type { ErrorCode } from './model/extraction';

/** An expected failure of one input: becomes a `failed` extraction with this code, never a crash of the batch. */
export class ExtractError extends Error {
  constructor(public readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'ExtractError';
  }
}

export function isExtractError(e: unknown): e is ExtractError {
  return e instanceof ExtractError;
}
