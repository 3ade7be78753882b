/**
 * Two-phase commit, as in Gray and Lamport's TwoPhase.tla (TLA+ examples,
 * specifications/transaction_commit): a transaction manager (TM) and resource
 * managers (RMs) exchanging Prepared, Commit and Abort messages through a set
 * of messages that are never removed. The reachable state graph is the same as
 * TLC's: 288 distinct states for 3 RMs, 8,832 for 5, 296,448 for 7.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import {
  become,
  broadcast,
  defineProtocol,
  defineRole,
  eventually,
  int,
  invariant,
  send,
  setAdd,
  nodeOf,
  nodesOf,
  type NodeId,
  type ProtocolStateOf,
  numberedIds,
} from "../src/index.js";

/** A resource manager's state (TwoPhase.tla's `rmState[rm]`). */
export interface RmState {
  readonly rmState: "working" | "prepared" | "committed" | "aborted";
}

/** The transaction manager's state (`tmState`, `tmPrepared` as a sorted array). */
export interface TmState {
  readonly tmState: "init" | "committed" | "aborted";
  readonly tmPrepared: readonly NodeId[];
}

/** The messages of TwoPhase.tla. */
export type TwoPhaseMessage =
  { readonly type: "Prepared"; readonly rm: NodeId } | { readonly type: "Commit" } | { readonly type: "Abort" };

/** What the TM reacts to: a Prepared message or its own decision. */
export type TmInput =
  Extract<TwoPhaseMessage, { type: "Prepared" }> | { readonly type: "DecideCommit" } | { readonly type: "DecideAbort" };

/** What an RM reacts to: the TM's decision or its own choice to prepare or abort. */
export type RmInput =
  | Extract<TwoPhaseMessage, { type: "Commit" | "Abort" }>
  | { readonly type: "Prepare" }
  | { readonly type: "ChooseToAbort" };

/** The transaction manager (TMRcvPrepared, TMCommit, TMAbort). */
export const transactionManager = defineRole<TmState, TmInput, TwoPhaseMessage>({
  init: () => ({ tmState: "init", tmPrepared: [] }),
  choices: () => [{ type: "DecideCommit" }, { type: "DecideAbort" }],
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Prepared" }, (m) =>
        s.tmState !== "init"
          ? undefined
          : become(
              produce(s, (d) => {
                d.tmPrepared = setAdd(s.tmPrepared, m.rm) as NodeId[];
              }),
            ),
      )
      .with({ type: "DecideCommit" }, () => {
        const rms = ctx.roles["rm"] ?? [];
        if (s.tmState !== "init" || s.tmPrepared.length !== rms.length) return undefined;
        return become(
          produce(s, (d) => {
            d.tmState = "committed";
          }),
          broadcast<TwoPhaseMessage>(rms, { type: "Commit" }),
        );
      })
      .with({ type: "DecideAbort" }, () =>
        s.tmState !== "init"
          ? undefined
          : become(
              produce(s, (d) => {
                d.tmState = "aborted";
              }),
              broadcast<TwoPhaseMessage>(ctx.roles["rm"] ?? [], { type: "Abort" }),
            ),
      )
      .exhaustive(),
});

/** A resource manager (RMPrepare, RMChooseToAbort, RMRcvCommitMsg, RMRcvAbortMsg). */
export const resourceManager = defineRole<RmState, RmInput, TwoPhaseMessage>({
  init: () => ({ rmState: "working" }),
  choices: () => [{ type: "Prepare" }, { type: "ChooseToAbort" }],
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Prepare" }, () =>
        s.rmState !== "working"
          ? undefined
          : become<RmState, TwoPhaseMessage>({ rmState: "prepared" }, send("tm", { type: "Prepared", rm: ctx.self })),
      )
      .with({ type: "ChooseToAbort" }, () =>
        s.rmState !== "working" ? undefined : become<RmState>({ rmState: "aborted" }),
      )
      // TwoPhase.tla puts no guard on receiving the decision.
      .with({ type: "Commit" }, () => become<RmState>({ rmState: "committed" }))
      .with({ type: "Abort" }, () => become<RmState>({ rmState: "aborted" }))
      .exhaustive(),
});

/** A TM that commits without waiting for every RM to prepare. */
const impatientManager = defineRole<TmState, TmInput, TwoPhaseMessage>({
  ...transactionManager,
  reduce: (s, input, ctx) =>
    input.type === "DecideCommit"
      ? s.tmState !== "init"
        ? undefined
        : become<TmState, TwoPhaseMessage>(
            { ...s, tmState: "committed" },
            broadcast(ctx.roles["rm"] ?? [], { type: "Commit" }),
          )
      : transactionManager.reduce(s, input, ctx),
});

/** A TM that may still abort after it decided to commit. */
const fickleManager = defineRole<TmState, TmInput, TwoPhaseMessage>({
  ...transactionManager,
  reduce: (s, input, ctx) =>
    input.type === "DecideAbort"
      ? s.tmState === "aborted"
        ? undefined
        : become<TmState, TwoPhaseMessage>(
            { ...s, tmState: "aborted" },
            broadcast(ctx.roles["rm"] ?? [], { type: "Abort" }),
          )
      : transactionManager.reduce(s, input, ctx),
});

type State = ProtocolStateOf<{ tm: typeof transactionManager; rm: typeof resourceManager }>;

const RM_IDS: (readonly NodeId[] | undefined)[] = [];

/** The RM ids for `rms` resource managers: rm1..rmN. */
export function rmIds(rms: number): readonly NodeId[] {
  // Kept per size: the invariants ask for the ids on every new state.
  return (RM_IDS[rms] ??= numberedIds("rm", rms));
}

const RM_ID_SETS: (ReadonlySet<NodeId> | undefined)[] = [];

/** The RM ids as a set (typeOK asks, for every new state, whether each prepared id is one). */
function rmIdSet(rms: number): ReadonlySet<NodeId> {
  return (RM_ID_SETS[rms] ??= new Set(rmIds(rms)));
}

function rmStates(s: State, rms: number): RmState["rmState"][] {
  return nodesOf(s, "rm", rmIds(rms)).map((rm) => rm.rmState);
}

// Type checks by comparison, not Set lookups: typeOK runs on every new state (10.3M with 9 RMs).
const isRmState = (x: string) => x === "working" || x === "prepared" || x === "committed" || x === "aborted";
const isTmState = (x: string) => x === "init" || x === "committed" || x === "aborted";
const isMessageType = (x: string) => x === "Prepared" || x === "Commit" || x === "Abort";

/** Two-phase commit with `rms` resource managers. */
export const twoPhaseCommit = defineProtocol({
  name: "two-phase-commit",
  description: "Gray and Lamport's two-phase commit (TwoPhase.tla): a TM and RMs agree to commit or abort",
  params: { rms: int(3, { min: 1, max: 12, description: "number of resource managers" }) },
  network: "set",
  nodes: (p) => ({ tm: ["tm"], rm: rmIds(p.rms) }),
  roles: { tm: transactionManager, rm: resourceManager },
  symmetry: ["rm"],
  // Every step is weakly fair, per instance: a TM or RM that can act eventually does, and a message
  // that stays in the network (a set: messages are never removed) is eventually received.
  fairness: { weak: ["*"] },
  properties: {
    typeOK: invariant<State, { rms: number }>((s, p) => {
      const tm = nodeOf(s, "tm", "tm");
      if (!isTmState(tm.tmState)) return false;
      const known = rmIdSet(p.rms);
      for (const rm of tm.tmPrepared) if (!known.has(rm)) return false;
      for (const rm of nodesOf(s, "rm", rmIds(p.rms))) if (!isRmState(rm.rmState)) return false;
      for (const e of s.network) if (!isMessageType(e.msg.type)) return false;
      return true;
    }, "TPTypeOK: every variable holds a value of its type"),
    consistent: invariant<State, { rms: number }>((s, p) => {
      let committed = false;
      let aborted = false;
      for (const rm of nodesOf(s, "rm", rmIds(p.rms))) {
        committed ||= rm.rmState === "committed";
        aborted ||= rm.rmState === "aborted";
      }
      return !(committed && aborted);
    }, "no RM has committed while another has aborted"),
    eventuallyAllDecided: eventually<State, { rms: number }>(
      (s, p) => rmStates(s, p.rms).every((x) => x === "committed" || x === "aborted"),
      "every fair behaviour reaches a state where every RM has committed or aborted",
    ),
  },
  variants: {
    "commit-without-all-prepared": {
      description: "the TM commits without waiting for every RM's Prepared message",
      violates: "consistent",
      roles: { tm: impatientManager },
    },
    "abort-after-commit": {
      description: "the TM may still decide to abort after it decided to commit",
      violates: "consistent",
      roles: { tm: fickleManager },
    },
    "no-fairness": {
      description: "no step is fair: the system may stop at any point (here: before anything happens)",
      violates: "eventuallyAllDecided",
      fairness: {},
    },
    "unfair-network": {
      description: "the TM and RMs act when they can, but the network may hold a decision forever",
      violates: "eventuallyAllDecided",
      fairness: { weak: ["tm: *", "rm: Prepare", "rm: ChooseToAbort"] },
    },
  },
});
