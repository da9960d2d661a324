// How a caller stops a long engine operation (training, inspection): the operation checks it between steps.

/** Lets a caller stop a long operation; checked between steps. */
export interface CancelSignal {
  readonly cancelled: boolean;
}
