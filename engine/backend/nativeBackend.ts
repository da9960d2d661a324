// Loads @tensorflow/tfjs-node (an optional dependency) at run time. esbuild.mjs marks it
// external, so this literal require stays a runtime require in the bundles.

export type NativeLoader = () => void;

export const loadTfjsNode: NativeLoader = () => {
  require('@tensorflow/tfjs-node');
};

/** One plain sentence for why the native backend could not be loaded. */
export function nativeUnavailableReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' && firstLine.includes('@tensorflow/tfjs-node')) {
    return `@tensorflow/tfjs-node is not installed (${firstLine})`;
  }
  return `@tensorflow/tfjs-node could not be loaded (${firstLine})`;
}
