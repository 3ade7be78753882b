/**
 * The thread of one swarm member: loads the spec from its source (as the
 * parallel worker does), runs its plan and posts the result (see
 * checker/swarm-member.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { runMember, type SwarmSetup } from "./swarm-member.js";
import { loadInWorker } from "./worker-thread.js";

const setup = workerData as SwarmSetup;
parentPort!.postMessage(runMember(await loadInWorker(setup.spec), setup));
