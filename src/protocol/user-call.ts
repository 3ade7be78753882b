import { faultOf, UserCodeError, type NamedInput, type UserCodeSite } from "../user-code.js";

/** Calls the user's code, turning what it throws into a UserCodeError that names the call. */
export function userCall<A extends unknown[], R>(
  site: UserCodeSite,
  where: string,
  inputs: readonly NamedInput[],
  call: (...args: A) => R,
): R {
  try {
    return call(...(inputs.map((i) => i.value) as A));
  } catch (error) {
    throw new UserCodeError(faultOf(site, where, error, inputs, call as (...copies: unknown[]) => unknown));
  }
}
