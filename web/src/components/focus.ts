// Where focus goes when a modal <dialog> closes: back on what opened it.
//
// Around close() the page behind may still count as inert (the dialog leaves the top layer in a
// later frame): the browser then ignores focus() silently, or drops the focus to the body when it
// leaves, which left the reader on the body now and then. Over the next frames, the focus goes
// back to `target` if it fell to the body (never if the reader moved it elsewhere).

/** Closes `dialog` (if open) and gives the focus back to `target`, for good. */
export function closeAndRefocus(dialog: HTMLDialogElement | null, target: HTMLElement | null) {
  if (dialog?.open) dialog.close();
  if (!target || !document.contains(target)) return;
  target.focus();
  let frames = 10;
  const settle = () => {
    const now = document.activeElement;
    if ((!now || now === document.body) && document.contains(target)) target.focus();
    if (--frames > 0) requestAnimationFrame(settle);
  };
  requestAnimationFrame(settle);
}
