/**
 * Which nodes a violation is about: the nodes whose local state, put back to
 * where it started, makes the violated property hold again. For Raft's
 * `vote-twice` that is the two leaders; for two-phase commit's
 * `commit-without-all-prepared`, the RM that aborted and the one that
 * committed. Diagrams span their violation note over these nodes.
 */
import { isProtocolState, type Model, type Trace } from "../../src/index.js";

/**
 * The nodes involved in `property`'s violation at the end of `trace`, in the
 * state's node order; empty when no single node's rollback repairs the
 * property, or the trace is not a protocol's (diagrams then fall back to the
 * nodes the last step touched).
 */
export function involvedNodes(model: Model<unknown>, trace: Trace, property: string): string[] {
  const last = trace[trace.length - 1]?.state;
  const first = trace[0]?.state;
  if (!isProtocolState(last) || !isProtocolState(first)) return [];
  const p = model.properties.find((x) => x.name === property);
  const prev = trace.length > 1 ? trace[trace.length - 2]!.state : undefined;
  const holds = (s: unknown): boolean => {
    try {
      if (p === undefined) return false;
      if (p.kind === "action") return prev !== undefined && p.check(prev, s);
      return p.check(s);
    } catch {
      return false;
    }
  };
  const found = Object.keys(last.nodes).filter((id) => {
    if (!(id in first.nodes) || first.nodes[id] === last.nodes[id]) return false;
    return holds({ ...last, nodes: { ...last.nodes, [id]: first.nodes[id] } });
  });
  return found;
}
