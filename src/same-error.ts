/**
 * Error classes are recognised by name, not identity: a user's spec file may
 * load its own copy of this library (a path import, a second install), and
 * its errors must still be classified as what they are.
 */
export function sameError(value: unknown, name: string): boolean {
  return value instanceof Error && value.name === name;
}
