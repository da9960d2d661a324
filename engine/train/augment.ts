// Training-data augmentation: each training image moved by a random whole-pixel shift of up to `shift` pixels
// in each direction (the uncovered border filled with 0, the background of raw pixel values, before
// normalisation) and, with `flip`, mirrored left to right with probability ½; a shift of 4 with flips is the
// CIFAR augmentation of the RevNet paper (4-pixel padding and random 32x32 crops). Test images are never changed.
// The draws of a step come from a generator seeded by the run's seed and the step, so a resumed run sees the
// same images as an uninterrupted one.
import { SeededRandom } from '../util/random';

export interface Augmentation {
  /** largest shift in pixels, each direction (0: none) */
  shift: number;
  /** random left-right mirroring */
  flip: boolean;
}

export interface ImageMove {
  /** rows down (negative: up) */
  dy: number;
  /** columns right (negative: left) */
  dx: number;
  flip: boolean;
}

/** the generator of one step's draws */
export function augmentationRandom(seed: number, step: number): SeededRandom {
  return new SeededRandom((Math.imul(seed, 0x9e3779b1) ^ 0xa0c1) + step);
}

export function drawMove(augmentation: Augmentation, random: SeededRandom): ImageMove {
  const span = 2 * augmentation.shift + 1;
  return { dy: random.int(span) - augmentation.shift, dx: random.int(span) - augmentation.shift, flip: augmentation.flip && random.next() < 0.5 };
}

/** checks an augmentation (its values checked already, by resolveOptions) against the model's input */
export function checkAugmentation(augmentation: Augmentation, height: number, width: number): void {
  if (2 * augmentation.shift >= Math.min(height, width)) {
    throw new Error(`the augmentation's shift of ${augmentation.shift} pixels would move ${height}x${width} images out of view (at most ${Math.floor((Math.min(height, width) - 1) / 2)})`);
  }
}

/** "none", "shift=N" or "shift=N,flip" (the command line's --augment) */
export function parseAugmentation(text: string): Augmentation {
  if (text === 'none') return { shift: 0, flip: false };
  let shift: number | undefined;
  let flip = false;
  for (const part of text.split(',')) {
    const match = /^shift=(\d+)$/.exec(part);
    if (match !== null) shift = Number(match[1]);
    else if (part === 'flip') flip = true;
    else throw new Error(`--augment: "${part}" is not shift=N or flip (e.g. shift=2, shift=4,flip, none)`);
  }
  return { shift: shift ?? 0, flip };
}

export function describeAugmentation(augmentation: Augmentation | undefined): string {
  if (augmentation === undefined || (augmentation.shift === 0 && !augmentation.flip)) return 'none';
  return [augmentation.shift > 0 ? `shift=${augmentation.shift}` : '', augmentation.flip ? 'flip' : ''].filter((part) => part !== '').join(',');
}
