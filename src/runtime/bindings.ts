/** The specs the real-network runtime can run, by catalogue name. */
import { OptionError } from "../spec.js";
import type { AnyBinding } from "./binding.js";
import { raftBinding } from "./raft-binding.js";

/** Runtime bindings by spec name. */
export const RUNTIME_BINDINGS: Readonly<Record<string, AnyBinding>> = { raft: raftBinding };

/** The binding of `spec`, or an error listing the ones there are. */
export function bindingFor(spec: string): AnyBinding {
  const binding = RUNTIME_BINDINGS[spec];
  if (binding === undefined) {
    throw new OptionError(`spec "${spec}" cannot run on a real network yet; specs with a runtime binding: ${Object.keys(RUNTIME_BINDINGS).join(", ")}`);
  }
  return binding;
}

/** Checks a variant name against a binding (undefined: the correct protocol). */
export function checkVariant(binding: AnyBinding, variant: string | undefined): void {
  if (variant !== undefined && !binding.variants.includes(variant)) {
    throw new OptionError(`spec "${binding.spec}" has no variant "${variant}" that can run; variants: ${binding.variants.join(", ")}`);
  }
}
