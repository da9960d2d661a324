// The engine's TensorFlow.js backend: selection and the wasm training kernels.
export { backendPreferences, effectivePreference, initBackend, isBackendPreference } from './selectBackend';
export type { BackendChoice, BackendPreference, SelectOptions } from './selectBackend';
export { builtInKernel, registerTrainingKernels, trainingKernels } from './kernels/registerKernels';
