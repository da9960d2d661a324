// A small tensor as it crosses a process or webview boundary: plain numbers, row-major (C order).
// Only small tensors travel this way (a few images, feature maps); large ones go through .npy files.
export interface PlainTensor {
  shape: number[];
  dtype: 'float32';
  data: number[];
}
