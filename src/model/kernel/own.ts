/**
 * Looking a name from user input up in a registry (drivers, core versions, thread kinds, a
 * scenario's variants): only the registry's own entries count, never what every object inherits
 * (`constructor`, `toString`, `__proto__`), which would otherwise pass for an entry.
 */
export function own<T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}
