// Long tensor computations written as generators that yield between their steps (a block, a unit): run them to
// the end at once, or with an awaited pause at every yield, so that the event loop answers messages and a
// cancel can stop them within one step. A pause that throws (a cancel) is thrown into the generator at its yield,
// so that it disposes the tensors it holds. No tf.tidy scope may be open across a yield.

export type Stepwise<T> = Generator<void, T>;

export function runToEnd<T>(steps: Stepwise<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

export async function runWithPauses<T>(steps: Stepwise<T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    try {
      await pause();
    } catch (error) {
      // the generator releases what it holds and rethrows; if it returns instead, the pause's error still stands
      steps.throw(error);
      throw error;
    }
  }
}
