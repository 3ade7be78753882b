/**
 * The entry point of one node process, started by the cluster (cluster.ts)
 * with its configuration as the only argument. It binds its transport, tells
 * the parent its port over IPC, and starts once it knows every peer's port.
 * It exits when the parent asks, or disconnects (so no node outlives a run).
 *
 * IPC from the parent: `start` {ports, clientPort}, `faults` {faults},
 * `ports` {ports} (a peer restarted on a new port), `stats`, `stop`. To the parent: `listening` {port}, `status` {...},
 * `stats` {...}, `fatal` {error}.
 */
import { bindingOf } from "./binding.js";
import { readDurable } from "./durable.js";
import { NodeHost } from "./host.js";
import { nodeFiles, type FromNode, type NodeConfig, type ToNode } from "./node-config.js";
import { loadSpecRef } from "./spec-ref.js";
import { openTransport } from "./transport.js";

function tell(message: FromNode): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as NodeConfig;
  const binding = bindingOf(await loadSpecRef(config.spec), {
    nodes: config.nodes.length,
    learned: config.learned,
    modelParams: config.modelParams,
  });
  const files = nodeFiles(config.dir, config.self);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${config.self}: ${line}\n`);
  let host: NodeHost | undefined;
  const transport = await openTransport(
    config.transport,
    {
      onFrame: (frame) => host?.receive(frame),
      onOversized: () => host?.dropped("oversized"),
      onError: (e) => log(`transport: ${e.message}`),
    },
    config.port,
  );
  const restored = readDurable(files.durable);
  const begin = (ports: Readonly<Record<string, number>>, clientPort: number) => {
    host = new NodeHost(
      {
        binding,
        variant: config.variant,
        self: config.self,
        nodes: config.nodes,
        params: config.params,
        transport,
        ports,
        clientPort,
        durablePath: files.durable,
        inputLogPath: files.inputs,
        ...(config.inputLog === undefined ? {} : { inputLogLimits: config.inputLog }),
        onStatus: (status) => tell({ type: "status", status }),
        log,
      },
      restored,
    );
    if (config.faults !== undefined) host.setFaults(config.faults);
    host.start();
    log(
      `started on ${config.transport} port ${transport.port}${restored === undefined ? "" : " (restored durable state)"}`,
    );
  };
  process.on("message", (message: ToNode) => {
    switch (message.type) {
      case "start":
        if (host === undefined) begin(message.ports, message.clientPort);
        return;
      case "faults":
        host?.setFaults(message.faults);
        return;
      case "ports":
        host?.setPorts(message.ports);
        return;
      case "stats":
        if (host !== undefined) {
          const cpu = process.cpuUsage();
          tell({ type: "stats", stats: { ...host.stats(), cpuMs: (cpu.user + cpu.system) / 1000 } });
        }
        return;
      case "stop":
        host?.stop();
        void transport.close().finally(() => process.exit(0));
        return;
    }
  });
  process.on("disconnect", () => process.exit(0));
  tell({ type: "listening", port: transport.port });
  if (config.ports !== undefined && config.clientPort !== undefined) begin(config.ports, config.clientPort);
}

/**
 * Any error the node cannot handle (ENOSPC or EPERM on its files, a bug in
 * the shell) ends the process, after telling the parent why: the run reports
 * the node as dead with this cause. The message goes over IPC first, since on
 * a full disk the node's log (its stderr) cannot take it either.
 */
let dying = false;
function die(e: unknown): void {
  if (dying) return;
  dying = true;
  const error = e instanceof Error ? e.message : String(e);
  const exit = () => process.exit(1);
  const timer = setTimeout(exit, 1000);
  try {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  } catch {
    // stderr is the node's log: it may be on the full disk.
  }
  if (process.send === undefined || !process.connected) return exit();
  process.send({ type: "fatal", error } satisfies FromNode, () => {
    clearTimeout(timer);
    exit();
  });
}

process.on("uncaughtException", die);
main().catch(die);
