/** The `code` of what `fn` throws (or undefined). Jest runs tests in another realm than native code, so
 *  `toThrow(RangeError)` cannot match errors created by the addon; codes can. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}
