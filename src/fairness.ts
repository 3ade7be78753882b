/**
 * Fairness: which steps a behaviour may not neglect forever. Liveness
 * properties (`eventually`, `alwaysEventually`, `leadsTo`) are judged only on
 * fair behaviours; without fairness a system may stop at any point (stutter
 * forever, as in TLA+), so almost no liveness property holds.
 *
 * Fairness is declared over step labels, per instance: each distinct label
 * (`RMPrepare(rm1)`, `rm1: receive Commit from tm`, `n1: timer Election`) is
 * its own fairness key. A pattern names a set of keys: it matches a label, or
 * the label's action group (`RMPrepare`, `rm: receive Commit`), with `*`
 * standing for any text.
 */

/**
 * A spec's fairness assumptions.
 *
 * - weak: a step that stays enabled is eventually taken (TLA+'s WF): no fair
 *   behaviour keeps it enabled forever without taking it.
 * - strong: a step enabled again and again is eventually taken (SF): no fair
 *   behaviour enables it infinitely often without taking it.
 * - network `"fair"` (protocols): strong fairness on every message delivery,
 *   per message (receiver, sender and content). A message that stays in the
 *   network is eventually delivered, and so is a message that is sent again
 *   and again, even when the network may lose each copy: faults (loss,
 *   duplication, crash) are never fair, so a behaviour that loses every copy
 *   forever is not fair once retransmission keeps the delivery enabled.
 *
 * @example fairness: { weak: ["*"] }                          // every step, per instance
 * @example fairness: { weak: ["tm: *", "rm: *"], network: "fair" }
 */
export interface Fairness {
  readonly weak?: readonly string[];
  readonly strong?: readonly string[];
  /** Protocols only: strong fairness on every delivery (see above). */
  readonly network?: "fair";
}

/** How fair a step key is: 0 not at all, 1 weakly, 2 strongly. */
export type FairnessLevel = 0 | 1 | 2;

/** The pattern a fair network puts under strong fairness: every delivery's coverage group. */
const DELIVERY = "*: receive *";

/**
 * The classifier of a declaration: a label's fairness level (strong wins over
 * weak). `group` maps a label to its action group (`Inc(1)` to `Inc`).
 */
export function fairnessLevels(
  fairness: Fairness | undefined,
  group: (label: string) => string,
): (label: string) => FairnessLevel {
  if (fairness === undefined) return () => 0;
  const weak = (fairness.weak ?? []).map(globRegExp);
  const strong = [...(fairness.strong ?? []), ...(fairness.network === "fair" ? [DELIVERY] : [])].map(globRegExp);
  return (label) => {
    const g = group(label);
    const matches = (r: RegExp) => r.test(label) || r.test(g);
    if (strong.some(matches)) return 2;
    if (weak.some(matches)) return 1;
    return 0;
  };
}

/** A whole-text glob: `*` is any text, everything else literal. */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}
