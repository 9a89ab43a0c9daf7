// A form's submission: busy while the request runs (the button shows a spinner and takes no second
// click), and the error it failed with for an <ErrorAlert> or a field.
import { useCallback, useState } from "preact/hooks";

/** Returned by an action whose page goes away on success (a navigation, a reload): the button
 * stays busy until then instead of coming back for a moment. */
export const STAY_BUSY = Symbol("stay busy");

export interface Submit<E> {
  busy: boolean;
  error: E | null;
  setError: (e: E | null) => void;
  /** Runs the action once at a time; a thrown error becomes `error` (mapped by `toError`).
   * Resolves to whether the action succeeded (for what follows a failure: a focus to move). */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  /** An onSubmit handler: the browser's own submission prevented, then `run`. */
  onSubmit: (action: () => Promise<unknown>) => (e: Event) => void;
}

/** Several actions sharing one spinner slot (a list's rows, a form's buttons): `busy` says which
 * one runs, so only its button spins while the others take no click. */
export interface KeyedSubmit<K, E> {
  busy: K | null;
  error: E | null;
  setError: (e: E | null) => void;
  /** Runs the action as `key`; a thrown error becomes `error` (mapped by `toError`, which is told
   * the key: a row's error can name its row). */
  run: (key: K, action: () => Promise<unknown>) => Promise<boolean>;
}

export function useKeyedSubmit<K>(): KeyedSubmit<K, unknown>;
export function useKeyedSubmit<K, E>(toError: (err: unknown, key: K) => E): KeyedSubmit<K, E>;
export function useKeyedSubmit<K, E>(toError?: (err: unknown, key: K) => E): KeyedSubmit<K, E> {
  const [busy, setBusy] = useState<K | null>(null);
  const [error, setError] = useState<E | null>(null);
  const run = useCallback(
    async (key: K, action: () => Promise<unknown>) => {
      setBusy(() => key);
      setError(null);
      try {
        if ((await action()) === STAY_BUSY) return true;
      } catch (err) {
        // Mapped here, not in the state updater: a form may act on a failure it handles itself
        // (a conflict to merge) and map it to null.
        const mapped = toError ? toError(err, key) : (err as E);
        setError(() => mapped);
        setBusy(null);
        return false;
      }
      setBusy(null);
      return true;
    },
    [toError],
  );
  return { busy, error, setError, run };
}

const asIs = (err: unknown) => err;

export function useSubmit(): Submit<unknown>;
export function useSubmit<E>(toError: (err: unknown) => E): Submit<E>;
export function useSubmit<E>(toError?: (err: unknown) => E): Submit<E> {
  const keyed = useKeyedSubmit<true, E>(toError ?? (asIs as (err: unknown) => E));
  const { run: runAs } = keyed;
  const run = useCallback((action: () => Promise<unknown>) => runAs(true, action), [runAs]);
  const onSubmit = useCallback(
    (action: () => Promise<unknown>) => (e: Event) => {
      e.preventDefault();
      void run(action);
    },
    [run],
  );
  return { busy: keyed.busy !== null, error: keyed.error, setError: keyed.setError, run, onSubmit };
}
