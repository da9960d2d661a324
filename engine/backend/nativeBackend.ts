// Loads @tensorflow/tfjs-node (an optional dependency) or @tensorflow/tfjs-node-gpu (installed by the
// user where CUDA is) at run time. esbuild.mjs marks both external, so these literal requires stay
// runtime requires in the bundles. Both register a backend named "tensorflow".

export type NativeLoader = () => void;

export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export const loadTfjsNode: NativeLoader = () => {
  require('@tensorflow/tfjs-node');
};

export const loadTfjsNodeGpu: NativeLoader = () => {
  require('@tensorflow/tfjs-node-gpu');
};

/** whether loading `packageName` failed only because it is not installed */
export function isNotInstalled(error: unknown, packageName: string): boolean {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' && (message.split('\n')[0] ?? '').includes(`'${packageName}'`);
}

/** One plain sentence for why a native backend package could not be loaded. */
export function nativeUnavailableReason(error: unknown, packageName = TFJS_NODE): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  if (isNotInstalled(error, packageName)) return `${packageName} is not installed (${firstLine})`;
  return `${packageName} could not be loaded (${firstLine})`;
}
