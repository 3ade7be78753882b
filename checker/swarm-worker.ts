/** The thread of one swarm member: runs its plan and posts the result (see checker/swarm-member.ts). */
import { parentPort, workerData } from "node:worker_threads";
import { runMember, type SwarmSetup } from "./swarm-member.js";

parentPort!.postMessage(await runMember(workerData as SwarmSetup));
