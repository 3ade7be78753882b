/**
 * SWIM-style failure detection and membership by gossip (Das, Gupta and
 * Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group
 * Membership Protocol", DSN 2002; HashiCorp memberlist, Serf, Consul): the
 * health checks of the seeds, done by the members themselves.
 *
 * Each member keeps a view: for every member, a status (alive, suspect,
 * dead) and that member's incarnation number. A member that fails a probe
 * of another marks it suspect; when the suspicion times out it declares it
 * dead; views spread by gossip, and a member merging a view takes, for each
 * member, the entry with the higher incarnation, and at equal incarnations
 * the graver status (dead over suspect over alive). Only a member raises its
 * own incarnation: when it hears it is suspected or declared dead at its
 * current incarnation, it refutes by announcing itself alive at the next
 * one, which overrides the verdict everywhere. So a crashed member, which
 * cannot refute, ends up dead in every view, while a live member wrongly
 * suspected, or even declared dead, comes back.
 *
 * The model: `members` members, at most `crashes` crashes, and at most
 * `falseSuspicions` failed probes of live members (a probe that timed out on
 * a slow network; probes of crashed members always fail). A suspicion times
 * out whenever the checker likes (a timeout is a guess); gossip passes one
 * member's view to another whenever it would change something. Liveness is
 * stated at termination: when nothing more can happen, every crashed member
 * is dead in every live view and every live member is alive in every live
 * view.
 */
import {
  atTermination,
  choose,
  defineSpec,
  int,
  invariant,
  numberedIds,
  onEveryStep,
  setAdd,
  setHas,
  type NodeId,
} from "../src/index.js";

/** A member's status in a view, in order of gravity. */
export type Status = "alive" | "suspect" | "dead";

/** What a view says of one member. */
export interface ViewEntry {
  readonly status: Status;
  readonly incarnation: number;
}

/** A member's view of the group. Its entry for itself carries its own incarnation. */
export type View = Readonly<Record<NodeId, ViewEntry>>;

const gravity: Readonly<Record<Status, number>> = { alive: 0, suspect: 1, dead: 2 };

/**
 * True when `incoming` overrides `current`: a higher incarnation, or the
 * same incarnation and a graver status.
 * @example
 * overrides({ status: "alive", incarnation: 1 }, { status: "dead", incarnation: 0 })
 * // → true: the refutation wins
 */
export function overrides(incoming: ViewEntry, current: ViewEntry): boolean {
  return (
    incoming.incarnation > current.incarnation ||
    (incoming.incarnation === current.incarnation && gravity[incoming.status] > gravity[current.status])
  );
}

/** How a member merges an entry about another member. */
export type EntryRule = (incoming: ViewEntry, current: ViewEntry) => boolean;

/**
 * `self`'s view after merging `incoming`: for each other member the entry
 * that overrides; for itself, a refutation when `incoming` suspects it or
 * declares it dead at its current incarnation or later.
 * @example
 * mergeView("m2", { m1: { status: "alive", incarnation: 0 }, m2: { status: "alive", incarnation: 0 } },
 *                 { m1: { status: "alive", incarnation: 0 }, m2: { status: "dead", incarnation: 0 } })
 * // m2 refutes: { m1: alive 0, m2: alive 1 }
 */
export function mergeView(self: NodeId, current: View, incoming: View, rule: EntryRule = overrides): View {
  const next: Record<NodeId, ViewEntry> = { ...current };
  for (const [member, entry] of Object.entries(incoming)) {
    const mine = current[member]!;
    if (member === self) {
      if (entry.status !== "alive" && entry.incarnation >= mine.incarnation) next[member] = refute(entry, rule);
    } else if (rule(entry, mine)) {
      next[member] = entry;
    }
  }
  return next;
}

/**
 * A member's answer to a verdict about itself: alive at the next incarnation (the rule decides whether that overrides).
 */
function refute(verdict: ViewEntry, rule: EntryRule): ViewEntry {
  const answer: ViewEntry = { status: "alive", incarnation: verdict.incarnation + 1 };
  return rule(answer, verdict) ? answer : { status: "alive", incarnation: verdict.incarnation };
}

/** True when two views hold the same entries. */
export function sameView(a: View, b: View): boolean {
  return Object.entries(a).every(([m, e]) => b[m]?.status === e.status && b[m]?.incarnation === e.incarnation);
}

/** The state of the model. */
export interface MembershipState {
  readonly views: Readonly<Record<NodeId, View>>;
  /** Crashed members, sorted. */
  readonly crashed: readonly NodeId[];
  /** Failed probes of live members so far (model bound). */
  readonly falseSuspicions: number;
}

/** Parameter values of the spec. */
export interface MembershipParams {
  readonly members: number;
  readonly crashes: number;
  readonly falseSuspicions: number;
}

const memberIds = (p: MembershipParams): readonly NodeId[] => numberedIds("m", p.members);
const isLive = (s: MembershipState, m: NodeId): boolean => !setHas(s.crashed, m);

function pairs(p: MembershipParams): readonly { readonly from: NodeId; readonly to: NodeId }[] {
  const ids = memberIds(p);
  return ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => ({ from, to })));
}

const pairLabel = (x: { readonly from: NodeId; readonly to: NodeId }): string => `${x.from}, ${x.to}`;

function setEntry(s: MembershipState, at: NodeId, member: NodeId, entry: ViewEntry): MembershipState {
  return { ...s, views: { ...s.views, [at]: { ...s.views[at]!, [member]: entry } } };
}

/** Crash(m): a member stops; its view no longer changes. */
const Crash = choose(
  (_: MembershipState, p: MembershipParams) => memberIds(p),
  (s: MembershipState, m: NodeId, p: MembershipParams) =>
    !isLive(s, m) || s.crashed.length >= p.crashes ? undefined : { ...s, crashed: setAdd(s.crashed, m) },
);

/**
 * Suspect(a, b): a's probe of b, which a believes alive, fails: b crashed, or (a bounded number of times) the probe
 * timed out on a live b.
 */
const Suspect = choose(
  (_: MembershipState, p: MembershipParams) => pairs(p),
  (s: MembershipState, { from, to }, p: MembershipParams) => {
    const entry = s.views[from]![to]!;
    if (!isLive(s, from) || entry.status !== "alive") return undefined;
    const falsely = isLive(s, to);
    if (falsely && s.falseSuspicions >= p.falseSuspicions) return undefined;
    const next = setEntry(s, from, to, { status: "suspect", incarnation: entry.incarnation });
    return falsely ? { ...next, falseSuspicions: s.falseSuspicions + 1 } : next;
  },
  pairLabel,
);

/** Confirm(a, b): a's suspicion of b times out, and a declares b dead at the same incarnation. */
const Confirm = choose(
  (_: MembershipState, p: MembershipParams) => pairs(p),
  (s: MembershipState, { from, to }) => {
    const entry = s.views[from]![to]!;
    if (!isLive(s, from) || entry.status !== "suspect") return undefined;
    return setEntry(s, from, to, { status: "dead", incarnation: entry.incarnation });
  },
  pairLabel,
);

/** Gossip(a, b): b merges a's view (piggybacked on a probe or its answer); only when that changes b's view. */
function gossipWith(rule: EntryRule) {
  return choose(
    (_: MembershipState, p: MembershipParams) => pairs(p),
    (s: MembershipState, { from, to }) => {
      if (!isLive(s, from) || !isLive(s, to)) return undefined;
      const merged = mergeView(to, s.views[to]!, s.views[from]!, rule);
      return sameView(merged, s.views[to]!) ? undefined : { ...s, views: { ...s.views, [to]: merged } };
    },
    pairLabel,
  );
}

/** The bug: no incarnation numbers, so the graver status always wins and a refutation overrides nothing. */
const graverStatusWins: EntryRule = (incoming, current) => gravity[incoming.status] > gravity[current.status];

function liveViews(s: MembershipState): readonly [NodeId, View][] {
  return Object.entries(s.views).filter(([m]) => isLive(s, m));
}

/** SWIM-style membership: suspicion, confirmation, gossip and refutation by incarnation numbers. */
export const gossipMembership = defineSpec({
  name: "gossip-membership",
  description:
    "SWIM-style failure detection by gossip with incarnation numbers: a crashed member ends up dead in every view, a live member wrongly suspected is never removed for good",
  params: {
    members: int(3, { min: 2, max: 4, description: "members of the group" }),
    crashes: int(1, { min: 0, max: 2, description: "members that may crash per run (model bound)" }),
    falseSuspicions: int(1, { min: 0, max: 2, description: "failed probes of live members per run (model bound)" }),
  },
  init: (p) => {
    const view: View = Object.fromEntries(
      memberIds(p).map((m) => [m, { status: "alive", incarnation: 0 } satisfies ViewEntry]),
    );
    return [
      {
        views: Object.fromEntries(memberIds(p).map((m) => [m, view])),
        crashed: [],
        falseSuspicions: 0,
      } satisfies MembershipState,
    ];
  },
  actions: { Crash, Suspect, Confirm, Gossip: gossipWith(overrides) },
  properties: {
    membersNeverDeclareThemselvesDown: invariant<MembershipState>(
      (s) => Object.entries(s.views).every(([m, view]) => view[m]!.status === "alive"),
      "a member's view of itself is always alive: it answers a verdict about itself with a refutation, never by accepting it",
    ),
    onlyAMemberRaisesItsIncarnation: invariant<MembershipState>(
      (s) =>
        Object.values(s.views).every((view) =>
          Object.entries(view).every(([m, e]) => e.incarnation <= s.views[m]![m]!.incarnation),
        ),
      "no view holds an incarnation of a member higher than the member's own: incarnations come only from the member's refutations",
    ),
    viewsOnlyMoveForward: onEveryStep<MembershipState>(
      (prev, next) =>
        Object.entries(next.views).every(([at, view]) =>
          Object.entries(view).every(([m, e]) => {
            const before = prev.views[at]![m]!;
            return (
              e.incarnation > before.incarnation ||
              (e.incarnation === before.incarnation && gravity[e.status] >= gravity[before.status])
            );
          }),
        ),
      "an entry only moves to a higher incarnation or, at the same one, to a graver status: no stale news undoes newer news",
    ),
    crashedMembersAreRemovedEverywhere: atTermination<MembershipState>(
      (s) => liveViews(s).every(([, view]) => s.crashed.every((c) => view[c]!.status === "dead")),
      "when nothing more can happen, every live member's view has every crashed member dead (to become: eventually removed everywhere)",
    ),
    liveMembersAreNeverRemovedForGood: atTermination<MembershipState>(
      (s) => liveViews(s).every(([, view]) => liveViews(s).every(([m]) => view[m]!.status === "alive")),
      "when nothing more can happen, every live member is alive in every live member's view, however often it was suspected or declared dead",
    ),
  },
  variants: {
    "no-incarnations": {
      description:
        "entries carry no incarnation numbers: the graver status always wins, so a live member declared dead stays dead however it refutes",
      violates: "liveMembersAreNeverRemovedForGood",
      actions: { Gossip: gossipWith(graverStatusWins) },
    },
  },
});
