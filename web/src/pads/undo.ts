// Own undo/redo for a shared document: the stacks hold the inverses of this user's edits only, and
// every remote op transforms them, so undo never removes someone else's text. Pure (as ot.js's
// UndoManager); unit-tested in test/pads.test.ts.
import { compose, invert, isNoop, transform, type Op } from "./ot.ts";

export type EditKind = "edit" | "undo" | "redo";

export class UndoManager {
  undoStack: Op[] = [];
  redoStack: Op[] = [];
  private lastEditAt = -Infinity;
  private canMerge = false;

  constructor(
    private readonly maxItems = 200,
    /** Edits closer than this (ms) are undone together (typing a word is one step). */
    private readonly mergeWithinMs = 800,
  ) {}

  /** A local op `op` applied to `docBefore`, by typing (`edit`) or by undo/redo. */
  record(op: Op, docBefore: string, kind: EditKind = "edit", now = Date.now()): void {
    if (isNoop(op)) return;
    const inverse = invert(op, docBefore);
    if (kind === "undo") {
      this.redoStack.push(inverse);
      this.canMerge = false;
      return;
    }
    if (kind === "redo") {
      this.undoStack.push(inverse);
      this.canMerge = false;
      return;
    }
    this.redoStack = [];
    const top = this.undoStack[this.undoStack.length - 1];
    if (top && this.canMerge && now - this.lastEditAt < this.mergeWithinMs) {
      // Undo the newest edit first, then the older ones.
      this.undoStack[this.undoStack.length - 1] = compose(inverse, top);
    } else {
      this.undoStack.push(inverse);
      if (this.undoStack.length > this.maxItems) this.undoStack.shift();
    }
    this.lastEditAt = now;
    this.canMerge = true;
  }

  /**
   * Someone else's op was applied to the document: move both stacks past it. The typing group goes
   * on (the transformed top still applies to the document before the next own edit).
   */
  transformRemote(op: Op): void {
    this.undoStack = transformStack(this.undoStack, op);
    this.redoStack = transformStack(this.redoStack, op);
  }

  /** Stops the current typing group (e.g. the caret moved). */
  breakGroup(): void {
    this.canMerge = false;
  }

  /** The op to apply to undo; the caller applies it and calls `record(op, doc, "undo")`. */
  popUndo(): Op | null {
    this.canMerge = false;
    return this.undoStack.pop() ?? null;
  }

  popRedo(): Op | null {
    this.canMerge = false;
    return this.redoStack.pop() ?? null;
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.canMerge = false;
  }
}

/**
 * The top of the stack applies to the current document, each entry below to the document the one
 * above produces. The remote op goes down the stack, transformed at each step.
 */
function transformStack(stack: Op[], op: Op): Op[] {
  const out: Op[] = [];
  let remote = op;
  for (let i = stack.length - 1; i >= 0; i--) {
    const [r, entry] = transform(remote, stack[i]!);
    if (!isNoop(entry)) out.push(entry);
    remote = r;
  }
  return out.reverse();
}
