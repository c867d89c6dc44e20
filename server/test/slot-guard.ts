/**
 * Every Lua script must keep its keys in one Redis Cluster slot: a cluster refuses a script whose keys hash to
 * two slots (CROSSSLOT), and a standalone Redis would never notice. This setup file wraps the commands that
 * `defineCommand` registers on any ioredis client in the tests, computes the slot of every key a script is
 * called with, and fails the call when they differ, in every suite and both test projects.
 */
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';

type Definition = { lua: string; numberOfKeys?: number; readOnly?: boolean };
type Define = (this: unknown, name: string, definition: Definition) => void;

export class CrossSlotError extends Error {}

/** The keys of a script call: the first `numberOfKeys` arguments, or as many as the first argument says. */
function keysOf(definition: Definition, args: unknown[]): string[] {
  const flat = args.flat(Number.POSITIVE_INFINITY).filter((a) => typeof a !== 'function');
  if (definition.numberOfKeys !== undefined) return flat.slice(0, definition.numberOfKeys).map(String);
  const n = Number(flat[0]);
  return flat.slice(1, 1 + n).map(String);
}

export function assertOneSlot(name: string, keys: string[]): void {
  const slots = new Map<number, string>();
  for (const key of keys) slots.set(calculateSlot(key), key);
  if (slots.size > 1) {
    const list = [...slots].map(([slot, key]) => `${key} (slot ${slot})`).join(', ');
    throw new CrossSlotError(`script ${name} called with keys in ${slots.size} slots: ${list}`);
  }
}

const guarded = Symbol.for('frontrow.slotGuard');
for (const proto of [Redis.prototype, Cluster.prototype] as unknown as Array<Record<PropertyKey, unknown>>) {
  if (proto[guarded]) continue;
  proto[guarded] = true;
  const define = proto.defineCommand as Define;
  proto.defineCommand = function (this: Record<string, unknown>, name: string, definition: Definition) {
    define.call(this, name, definition);
    for (const method of [name, `${name}Buffer`]) {
      const call = this[method] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof call !== 'function') continue;
      this[method] = function (this: unknown, ...args: unknown[]) {
        try {
          assertOneSlot(name, keysOf(definition, args));
        } catch (err) {
          return Promise.reject(err);
        }
        return call.apply(this, args);
      };
    }
  };
}
