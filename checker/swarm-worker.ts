/**
 * The thread of one swarm member: loads the spec by the name or path the
 * CLI was given (as the parallel worker does), runs its plan and posts the
 * result (see checker/swarm-member.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { resolveSpec } from "./load.js";
import { runMember, type SwarmSetup } from "./swarm-member.js";

const setup = workerData as SwarmSetup;
parentPort!.postMessage(runMember(await resolveSpec(setup.spec), setup));
