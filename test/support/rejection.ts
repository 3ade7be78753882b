/** The error a promise rejects with (an Error saying "resolved" when it resolves), to compare whole. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("resolved"),
    (error: unknown) => error,
  );
}
