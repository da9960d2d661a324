// A data set as the trainer sees it: two splits of NHWC float images in [0, 1] with integer labels.

export interface Split {
  /** NHWC, count*height*width*channels values, normally in [0, 1] */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  train: Split;
  test: Split;
  classes: number;
  height: number;
  width: number;
  channels: number;
}

/** Options for kinds whose files do not say everything. */
export interface LoadOptions {
  /** number of classes; default 10 for MNIST/IDX/CIFAR-10/random, 100 for CIFAR-100, max label + 1 for .npy */
  classes?: number;
  /** image shape of the "random" kind; default 28x28x1 */
  shape?: { height: number; width: number; channels: number };
  /** the share of the training files held out for testing when no test files are given; default 1/6 */
  holdOutFraction?: number;
  /** refuse data whose arrays would need more bytes than this (default: REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitBytes?: number;
}
