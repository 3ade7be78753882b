/**
 * Command-query responsibility segregation (CQRS) with an asynchronously
 * updated read model, as the seeds' chapter on event logs and derived data
 * describes it: the command side validates each command against its own
 * state, appends the resulting event to its event log and publishes it; a
 * projector consumes the events and keeps a read model that queries are
 * answered from.
 *
 * The read model lags the command side, and that is allowed; what is not
 * allowed is for it to show a state the command side never was in. Its
 * guarantee is prefix consistency: at every moment the read model is the
 * state after some prefix of the event log (its `version` says which), the
 * prefix only grows, and once the queue drains it is the whole log. The
 * queue here is an ordinary network: it reorders and duplicates. So the
 * projector applies events by sequence number: one that arrives early waits
 * in a buffer until the events before it are applied, and one already
 * applied or buffered (a duplicate) is dropped.
 *
 * The domain is a bank account: `Deposit` always succeeds, `Withdraw` is
 * rejected by the command side when the balance is zero, so the account never
 * goes below zero on either side, and a read model that applied a withdrawal
 * before the deposit it depends on shows a negative balance no one ever had.
 *
 * The model: one command side `cmd` whose application issues `commands`
 * commands (deposits or withdrawals of 1), one projector `view`, over an
 * unordered network that may duplicate `duplicates` messages.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  onEveryStep,
  send,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";

/** What happened on the command side, numbered from 1 in log order. */
export interface AccountEvent {
  readonly type: "Deposited" | "Withdrew";
  readonly seq: number;
  readonly amount: number;
}

/** The account as the command side or a read model sees it. */
export interface AccountView {
  readonly balance: number;
  /** Events applied so far: the view is the state after the first `version` events of the log. */
  readonly version: number;
}

/** The account before any event. */
export const emptyAccount: AccountView = { balance: 0, version: 0 };

/**
 * The account after one more event (the fold both sides share).
 * @example
 * applyEvent({ balance: 1, version: 1 }, { type: "Withdrew", seq: 2, amount: 1 })
 * // → { balance: 0, version: 2 }
 */
export function applyEvent(view: AccountView, event: AccountEvent): AccountView {
  const delta = event.type === "Deposited" ? event.amount : -event.amount;
  return { balance: view.balance + delta, version: view.version + 1 };
}

/** The account after the first `n` events of `log`. */
export function accountAfter(log: readonly AccountEvent[], n: number): AccountView {
  return log.slice(0, n).reduce(applyEvent, emptyAccount);
}

/** A command from the application. */
export type AccountCommand = { readonly type: "Deposit" } | { readonly type: "Withdraw" };

/**
 * The command side's decision: the event a command produces, or `null` when
 * it is rejected (a withdrawal from an empty account).
 * @example decide({ balance: 0, version: 0 }, { type: "Withdraw" }) // null
 */
export function decide(account: AccountView, command: AccountCommand): AccountEvent | null {
  const seq = account.version + 1;
  return match(command)
    .with({ type: "Deposit" }, (): AccountEvent => ({ type: "Deposited", seq, amount: 1 }))
    .with({ type: "Withdraw" }, (): AccountEvent | null =>
      account.balance >= 1 ? { type: "Withdrew", seq, amount: 1 } : null,
    )
    .exhaustive();
}

/** The message on the queue: one published event. */
export interface EventMessage {
  readonly type: "Event";
  readonly event: AccountEvent;
}

/** The command side: its account and the event log it appended (the source of truth). */
export interface CommandSide {
  readonly account: AccountView;
  readonly log: readonly AccountEvent[];
}

/**
 * The command side: validates a command against its own account, appends the
 * event to its log and publishes it to the projector `view`; a rejected
 * command changes nothing and publishes nothing.
 */
export const commandSide = defineRole<CommandSide, AccountCommand, EventMessage>({
  init: () => ({ account: emptyAccount, log: [] }),
  reduce: (s, command) => {
    const event = decide(s.account, command);
    if (event === null) return become(s);
    return become<CommandSide, EventMessage>(
      { account: applyEvent(s.account, event), log: [...s.log, event] },
      send("view", { type: "Event", event }),
    );
  },
});

/** The projector: the read model, and events that arrived before their predecessors (sorted by `seq`). */
export interface Projector {
  readonly view: AccountView;
  readonly pending: readonly AccountEvent[];
}

/**
 * The projector's step on an arriving event: drop it if already applied or
 * buffered, else buffer it and apply every buffered event that is next in
 * sequence.
 * @example
 * project({ view: emptyAccount, pending: [] }, { type: "Withdrew", seq: 2, amount: 1 })
 * // { view: { balance: 0, version: 0 }, pending: [Withdrew#2] }: it waits for event 1
 */
export function project(s: Projector, event: AccountEvent): Projector {
  if (event.seq <= s.view.version || s.pending.some((e) => e.seq === event.seq)) return s;
  let view = s.view;
  let pending = [...s.pending, event].sort((a, b) => a.seq - b.seq);
  while (pending[0]?.seq === view.version + 1) {
    view = applyEvent(view, pending[0]);
    pending = pending.slice(1);
  }
  return { view, pending };
}

/**
 * The bug: an event is applied as it arrives; one numbered at or below the version reached is taken for a duplicate.
 */
function projectOnArrival(s: Projector, event: AccountEvent): Projector {
  if (event.seq <= s.view.version) return s;
  return { view: applyEvent(s.view, event), pending: [] };
}

/** The projector role with the given event handler (the exported one applies events in sequence order). */
export function projectorWith(
  apply: (s: Projector, event: AccountEvent) => Projector,
): RoleDef<Projector, EventMessage, EventMessage> {
  return defineRole<Projector, EventMessage, EventMessage>({
    init: () => ({ view: emptyAccount, pending: [] }),
    reduce: (s, m) => become<Projector>(apply(s, m.event)),
  });
}

/** The projector: keeps the read model a prefix of the event log, whatever order the queue delivers in. */
export const projector = projectorWith(project);

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/** A modelled command side: the role's state and the commands its application issued (a ghost bound). */
export interface ModelCommandSide extends CommandSide {
  readonly issued: number;
}

interface Params {
  readonly commands: number;
  readonly duplicates: number;
}

type State = ProtocolState<ModelCommandSide | Projector, EventMessage>;

const commandMenu: AccountCommand[] = [{ type: "Deposit" }, { type: "Withdraw" }];

/** The command side under an application that issues `commands` commands. */
const application = defineRole<ModelCommandSide, AccountCommand, EventMessage, never, Params>({
  init: () => ({ account: emptyAccount, log: [], issued: 0 }),
  choices: (s, ctx) => (s.issued < ctx.params.commands ? commandMenu : []),
  reduce: (s, command, ctx) => {
    const step = commandSide.reduce({ account: s.account, log: s.log }, command, ctx);
    return step && { state: { ...step.state, issued: s.issued + 1 }, effects: step.effects };
  },
});

function sides(s: State): { cmd: ModelCommandSide; view: Projector } {
  return { cmd: s.nodes["cmd"] as ModelCommandSide, view: s.nodes["view"] as Projector };
}

/** True when `view` is the account after the first `view.version` events of `log`. */
export function isPrefixState(view: AccountView, log: readonly AccountEvent[]): boolean {
  if (view.version > log.length) return false;
  const after = accountAfter(log, view.version);
  return after.balance === view.balance;
}

/**
 * CQRS: a command side with an event log, and a read model updated asynchronously over a reordering, duplicating queue.
 */
export const cqrs = defineProtocol({
  name: "cqrs",
  description:
    "CQRS with an asynchronously updated read model: it only shows states the command side was in, in order (prefix consistency), and reflects every command once the queue drains",
  params: {
    commands: int(4, { min: 1, max: 5, description: "commands the application issues (deposits or withdrawals of 1)" }),
    duplicates: int(1, { min: 0, max: 2, description: "how many events the queue may deliver twice" }),
  },
  network: "unordered",
  nodes: () => ({ cmd: ["cmd"], projector: ["view"] }),
  roles: { cmd: application, projector },
  faults: (p) => ({ duplicate: p.duplicates }),
  properties: {
    readModelShowsOnlyStatesThatExisted: invariant<State, Params>((s) => {
      const { cmd, view } = sides(s);
      return isPrefixState(view.view, cmd.log);
    }, "the read model is always the account after some prefix of the command side's event log: it never shows a balance the account never had"),
    readModelMovesForwardInOrder: onEveryStep<State, Params>(
      (prev, next) => sides(next).view.view.version >= sides(prev).view.view.version,
      "the read model's prefix only grows: a query never sees the account go back to an earlier state",
    ),
    readModelReflectsEveryCommandOnceDrained: atTermination<State, Params>((s) => {
      const { cmd, view } = sides(s);
      return view.view.version === cmd.log.length && view.view.balance === cmd.account.balance;
    }, "once the queue has drained, the read model is the command side's account: every accepted command is reflected, once"),
  },
  variants: {
    "apply-on-arrival": {
      description:
        "the projector applies events in the order the queue delivers them: a withdrawal overtakes the deposit it depends on and the read model shows a negative balance",
      violates: "readModelShowsOnlyStatesThatExisted",
      roles: { projector: projectorWith(projectOnArrival) },
    },
  },
});
