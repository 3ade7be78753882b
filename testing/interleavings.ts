/**
 * Interleavings of promise-based code, explored with fast-check's
 * `fc.scheduler`: the reducers are verified by the checker, but the async glue
 * around them (a client that reads, then decides, then writes) can still race.
 * A ScheduledService wraps a reducer so that every request and every reply
 * is a task the scheduler orders; `checkInterleavings` runs a scenario under
 * many orders and shrinks a failing one.
 */
import fc from "fast-check";

/** A service's state machine: a pure reducer from (state, request) to a new state and a reply. */
export interface ServiceReducer<S, I, O> {
  readonly init: S;
  reduce(state: S, input: I): { readonly state: S; readonly output: O };
}

/** One call a ScheduledService handled, in the order the reducer ran them. */
export interface ServiceCall<I, O> {
  readonly input: I;
  readonly output: O;
}

/**
 * A promise-based service around a reducer. Each `call` is two scheduled
 * tasks: the request reaching the service (the reducer then runs atomically)
 * and the reply reaching the caller, so the scheduler decides every
 * interleaving of concurrent calls, as a network would.
 * @example
 * const lock = new ScheduledService(lockReducer, scheduler, { describe: (i) => i.type });
 * await Promise.all([lock.call({ type: "Acquire", client: "a" }), lock.call({ type: "Acquire", client: "b" })]);
 */
export class ScheduledService<S, I, O> {
  /** The service's current state. */
  state: S;
  /** Calls in the order the reducer handled them. */
  readonly calls: ServiceCall<I, O>[] = [];
  private readonly describe: (input: I) => string;

  constructor(
    private readonly reducer: ServiceReducer<S, I, O>,
    private readonly scheduler: fc.Scheduler,
    options: { readonly describe?: (input: I) => string } = {},
  ) {
    this.state = reducer.init;
    this.describe = options.describe ?? ((input) => JSON.stringify(input));
  }

  /** Sends `input`; resolves with the reply when the scheduler delivers it. */
  async call(input: I): Promise<O> {
    const what = this.describe(input);
    await this.scheduler.schedule(Promise.resolve(), `request ${what}`);
    const { state, output } = this.reducer.reduce(this.state, input);
    this.state = state;
    this.calls.push({ input, output });
    return this.scheduler.schedule(Promise.resolve(output), `reply to ${what}: ${JSON.stringify(output)}`);
  }
}

/** What to run under many schedules and what must hold after each. */
export interface InterleavingOptions<T> {
  /**
   * Starts the concurrent work (calls through ScheduledServices built on
   * `scheduler`, or tasks passed to `scheduler.schedule`) and resolves with
   * the outcome to check. Called synchronously: its first tasks must be
   * scheduled before it first awaits.
   */
  readonly scenario: (scheduler: fc.Scheduler) => Promise<T>;
  /** Throws, or returns false, when an outcome is wrong. */
  readonly check: (outcome: T) => void | boolean | Promise<void | boolean>;
  /** Schedules tried (default 100). */
  readonly numRuns?: number;
  /** Replays a failure: the `seed` and `path` an InterleavingError printed. */
  readonly seed?: number;
  readonly path?: string;
}

/** A passing exploration. */
export interface InterleavingResult {
  readonly numRuns: number;
  readonly seed: number;
}

/** A schedule under which the check failed; `schedule` lists the tasks in the order they ran (shrunk). */
export class InterleavingError extends Error {
  override name = "InterleavingError";
  constructor(
    readonly failure: string,
    readonly schedule: string,
    readonly seed: number,
    readonly path: string,
  ) {
    super(
      `the check failed under this schedule: ${failure}\n${schedule}\nreplay with options { seed: ${seed}, path: ${JSON.stringify(path)} }`,
    );
  }
}

/**
 * Runs `scenario` under `numRuns` schedules chosen by fast-check and checks
 * each outcome; on a failure, shrinks the schedule and throws an
 * InterleavingError with it, the seed and the path.
 * @example
 * await checkInterleavings({
 *   scenario: async (s) => { const lock = new ScheduledService(lockReducer, s); ... return maxHolders; },
 *   check: (maxHolders) => maxHolders <= 1,
 * });
 */
export async function checkInterleavings<T>(options: InterleavingOptions<T>): Promise<InterleavingResult> {
  const property = fc.asyncProperty(fc.scheduler(), async (scheduler) => {
    const pending = options.scenario(scheduler);
    await scheduler.waitIdle();
    const outcome = await pending;
    if ((await options.check(outcome)) === false)
      throw new Error(`check returned false for ${JSON.stringify(outcome)}`);
  });
  const details = await fc.check(property, {
    numRuns: options.numRuns ?? 100,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!details.failed) return { numRuns: details.numRuns, seed: details.seed };
  const error = details.errorInstance;
  const failure = error instanceof Error ? error.message : String(error);
  throw new InterleavingError(
    failure,
    fc.stringify(details.counterexample?.[0]),
    details.seed,
    details.counterexamplePath ?? "",
  );
}
