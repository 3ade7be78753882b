/**
 * The runtime configuration shared by the quorum registers of the catalogue
 * (abd-register, quorum-replication): see {@link registerRuntime}.
 */
import type { RoleDef, RuntimeConfig } from "../src/index.js";

/**
 * How `interleave run` runs a quorum register (ABD here, and
 * quorum-replication): the unbounded client roles (the model bounds their
 * operations), `--nodes` replicas, one writer that is never retired (it numbers its writes: a
 * fresh one would start again at 1), as many readers as `--clients`, and a
 * final read that asks every replica.
 */
export function registerRuntime(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the writer and reader roles of any quorum register's protocol
  roles: { readonly writer: RoleDef<any, any, any, any, any>; readonly reader: RoleDef<any, any, any, any, any> },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as roles above, per variant
  variantRoles: Readonly<Record<string, Readonly<Record<string, RoleDef<any, any, any, any, any>>>>> = {},
): RuntimeConfig {
  return {
    nodesParam: "replicas",
    roles,
    variantRoles,
    workload: {
      clients: ["writer", "reader"],
      instances: { writer: 1, reader: "option" },
      retire: { writer: false },
      finalReads: (_params, ids) => [
        { role: "reader", key: "register", input: { type: "StartRead", ask: ids["replica"] ?? [] } },
      ],
      model: "register",
    },
  };
}
