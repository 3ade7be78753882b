/**
 * Raft's variants whose searches take seconds each (commit-old-term 1.2M
 * states, the read variants 270-410k): test/specs/raft.test.ts checks each
 * once and replays its trace through the CLI; the catalogue-wide loops skip them.
 */
export const DEEP_RAFT_VARIANTS: readonly string[] = ["commit-old-term", "stale-read", "read-before-own-commit"];
