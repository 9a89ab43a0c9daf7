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
  /** Runs the action once at a time; a thrown error becomes `error` (mapped by `toError`). */
  run: (action: () => Promise<unknown>) => Promise<void>;
  /** An onSubmit handler: the browser's own submission prevented, then `run`. */
  onSubmit: (action: () => Promise<unknown>) => (e: Event) => void;
}

export function useSubmit(): Submit<unknown>;
export function useSubmit<E>(toError: (err: unknown) => E): Submit<E>;
export function useSubmit<E>(toError?: (err: unknown) => E): Submit<E> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<E | null>(null);
  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true);
      setError(null);
      try {
        if ((await action()) === STAY_BUSY) return;
      } catch (err) {
        setError(toError ? toError(err) : (err as E));
      }
      setBusy(false);
    },
    [toError],
  );
  const onSubmit = useCallback(
    (action: () => Promise<unknown>) => (e: Event) => {
      e.preventDefault();
      void run(action);
    },
    [run],
  );
  return { busy, error, setError, run, onSubmit };
}
