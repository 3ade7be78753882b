/** Bad input from the user: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
