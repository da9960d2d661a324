export { loadDataset, loadDatasetYielding } from './loadDataset';
export { defaultDataFor, isRandomData, resolveDataSpec } from './defaultData';
export { computeNormalization, normalizeImages, type Normalization } from './normalization';
export { checkDataset, checkDatasetFitsModel, DatasetError, isDataError } from './checkDataset';
export type { Dataset, Split, LoadOptions } from './types';
export { MNIST_TEST_PER_DIGIT } from './builtinMnist';
