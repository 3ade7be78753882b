/**
 * A worker of the search (a thread, or a process of the distributed search)
 * died or went silent before the search ended, or the broker the processes
 * talk through went away: the search is incomplete, and the CLI prints the
 * message alone and exits 3.
 */
export class LostWorkerError extends Error {
  override name = "LostWorkerError";
}
