import type { Fingerprint, Model, PropertyKind } from "../../src/index.js";
import { Properties, Successors } from "../expander.js";
import type { Counterexample, Path } from "../path.js";

/**
 * Walks one path, checking every property at every state it visits and on
 * every successor it generates (as BFS does), so a violation one step off the
 * path is seen. Used to judge shrink candidates and replays: no state is
 * skipped as already checked.
 */
export class PathChecker<S> {
  private readonly inits: readonly S[];
  private readonly initFps: Fingerprint[];
  private readonly successors: Successors<S>;
  private readonly properties: Properties<S>;

  constructor(private readonly model: Model<S>) {
    this.inits = model.initStates();
    this.initFps = this.inits.map((s) => {
      const fp = { hi: 0, lo: 0 };
      model.fingerprint(s, fp);
      return fp;
    });
    this.successors = new Successors(model, { labels: true });
    this.properties = new Properties(model);
  }

  get initCount(): number {
    return this.inits.length;
  }

  /** Ids of the action labels seen, in order of first sight. */
  private readonly labelIds = new Map<string, number>();

  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelsById.length;
      this.labelIds.set(label, id);
      this.labelsById.push(label);
    }
    return id;
  }

  /**
   * Follows `choices` from initial state `init` (modulo their number),
   * expanding every state on the way including the last; returns the first
   * violation, or undefined. A choice names an action by label id (see
   * `pick`); with `exact`, each choice is the step's ordinal instead, and one
   * beyond the successors is a divergence (undefined).
   */
  walk(
    init: number,
    choices: readonly number[],
    options: { readonly exact: boolean } = { exact: false },
  ): Counterexample | undefined {
    const { properties, successors } = this;
    if (options.exact && init >= this.inits.length) return undefined;
    const initOrdinal = init % this.inits.length;
    let state = this.inits[initOrdinal]!;
    let { hi, lo } = this.initFps[initOrdinal]!;
    const taken: number[] = [];
    const found = (p: { name: string; kind: PropertyKind }, extra?: number): Counterexample => ({
      property: p.name,
      kind: p.kind,
      path: { init: initOrdinal, steps: extra === undefined ? taken : [...taken, extra] },
    });
    const bad = properties.violatedInvariant(state);
    if (bad) return found(bad);
    let n = 0;
    /** Expands `state`; a violation, or undefined to go on (`n` successors). */
    const expand = (): Counterexample | "stop" | undefined => {
      // States outside the constraint are not expanded, as in BFS.
      if (!this.model.withinConstraint(state)) return "stop";
      n = successors.expand(state, hi, lo);
      if (successors.normal === 0) {
        const f = properties.violatedFinal(state);
        if (f) return found(f);
        if (n === 0) return "stop";
      }
      // Every successor is checked, as BFS does when it expands a state; an
      // exact replay checks only the steps of the path.
      for (let k = 0; k < n && !options.exact; k++) {
        const next = successors.states[k]!;
        const violated = properties.violatedAction(state, next) ?? properties.violatedInvariant(next);
        if (violated) return found(violated, k);
      }
      return undefined;
    };
    let outcome = expand();
    for (const choice of choices) {
      if (outcome !== undefined) break;
      if (options.exact && choice >= n) return undefined;
      const k = options.exact ? choice : this.pick(choice, n);
      if (k === SKIP) continue;
      if (k < 0) return undefined;
      const next = successors.states[k]!;
      if (options.exact) {
        const violated = properties.violatedAction(state, next) ?? properties.violatedInvariant(next);
        if (violated) return found(violated, k);
      }
      taken.push(k);
      state = next;
      hi = successors.his[k]!;
      lo = successors.los[k]!;
      outcome = expand();
    }
    return outcome === "stop" ? undefined : outcome;
  }

  /** Label ids by id. */
  private readonly labelsById: string[] = [];

  /**
   * The successor a choice selects, among those inside the constraint (a walk
   * never steps outside it, where it could not go on): the one whose action
   * label has id `choice`; else one whose label is the same but for message
   * contents (`n2: receive RequestVote{…} from n3`); else none (SKIP: the
   * choice takes no step). -1 when no successor is inside the constraint.
   *
   * Choosing by label is what makes shrinking work: when fast-check drops a
   * step, the later choices still name the same actions, which usually remain
   * enabled, rather than positions that now point at unrelated successors;
   * and a choice whose action is no longer enabled is skipped, so dropping a
   * step does not derail the rest of the walk.
   */
  private pick(choice: number, n: number): number {
    const wanted = this.labelsById[choice];
    const coarse = wanted === undefined ? undefined : coarsen(wanted);
    const keys = this.successorKeys(n);
    let similar = SKIP;
    let inside = false;
    for (let k = 0; k < n; k++) {
      if (!this.model.withinConstraint(this.successors.states[k]!)) continue;
      inside = true;
      if (keys[k] === wanted) return k;
      if (similar === SKIP && coarse !== undefined && coarsen(keys[k]!) === coarse) similar = k;
    }
    return inside ? similar : -1;
  }

  /**
   * The label of each of the last `n` successors, made unique within the state
   * (`label#2` for the second successor with the same label), so a label
   * names exactly one successor.
   */
  private successorKeys(n: number): string[] {
    const keys: string[] = [];
    const count = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const label = this.successors.labels[k]!;
      const seen = count.get(label) ?? 0;
      count.set(label, seen + 1);
      keys.push(seen === 0 ? label : `${label}#${seen + 1}`);
    }
    return keys;
  }

  /**
   * The choices that make `walk` follow a path of ordinals (each step's label
   * id), or undefined when a step leaves the constraint.
   */
  encode(path: Path): number[] | undefined {
    const { states, fps } = this.states(path);
    const choices: number[] = [];
    for (let i = 0; i < path.steps.length; i++) {
      const n = this.successors.expand(states[i]!, fps[i]!.hi, fps[i]!.lo);
      const ordinal = path.steps[i]!;
      if (!this.model.withinConstraint(this.successors.states[ordinal]!)) return undefined;
      choices.push(this.labelId(this.successorKeys(n)[ordinal]!));
    }
    return choices;
  }

  /** The states along a path (initial state first) with their fingerprints. */
  states(path: Path): { states: S[]; fps: Fingerprint[] } {
    const states = [this.inits[path.init]!];
    const fps = [this.initFps[path.init]!];
    for (const k of path.steps) {
      const at = fps[fps.length - 1]!;
      this.successors.expand(states[states.length - 1]!, at.hi, at.lo);
      states.push(this.successors.states[k]!);
      fps.push({ hi: this.successors.his[k]!, lo: this.successors.los[k]! });
    }
    return { states, fps };
  }

  /** Successor fingerprint key -> ordinal, for one state. */
  successorOrdinals(state: S, fp: Fingerprint): Map<string, number> {
    const n = this.successors.expand(state, fp.hi, fp.lo);
    const out = new Map<string, number>();
    for (let k = n - 1; k >= 0; k--) out.set(pathKey(this.successors.his[k]!, this.successors.los[k]!), k);
    return out;
  }

  initOrdinals(): Map<string, number> {
    const out = new Map<string, number>();
    for (let k = this.initFps.length - 1; k >= 0; k--) out.set(pathKey(this.initFps[k]!.hi, this.initFps[k]!.lo), k);
    return out;
  }
}

/** A choice that names no enabled action: the walk takes no step for it. */
const SKIP = -2;

/**
 * A label without its message contents: `n2: receive RequestVote{term:2} from n3` -> `n2: receive RequestVote{…} from
 * n3`.
 */
function coarsen(label: string): string {
  const open = label.indexOf("{");
  const close = label.lastIndexOf("}");
  return open < 0 || close < open ? label : `${label.slice(0, open)}{…}${label.slice(close + 1)}`;
}

/** A fingerprint as a map key. */
export function pathKey(hi: number, lo: number): string {
  return `${hi >>> 0}:${lo >>> 0}`;
}
