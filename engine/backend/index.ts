// The engine's TensorFlow.js backend: selection and the wasm training kernels.
export { backendLabel, effectivePreference, initBackend } from './selectBackend';
export type { BackendChoice, SelectOptions } from './selectBackend';
export { builtInKernel, registerTrainingKernels, trainingKernels } from './kernels/registerKernels';
