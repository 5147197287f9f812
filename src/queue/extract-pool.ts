/** The extraction thread pool lives in src/pool (the CLI uses it too); kept here for the queue's imports. */
export * from '../pool/extract-pool';
