// Types of test/systemPackages.mjs (plain JavaScript so that `npm test` can run it before anything is built).
export type Suite = 'unit' | 'integration' | 'webview' | 'e2e';
export interface SystemPackage {
  name: string;
  suites: string[];
  why: string;
  present(root: string): boolean;
}
export const systemPackages: SystemPackage[];
export function missingPackages(suites: string[], root: string, packages?: SystemPackage[]): SystemPackage[];
export function installPrivilege(probe?: { uid?: number; hasAptGet?: boolean; hasSudo?: boolean }): 'root' | 'sudo' | undefined;
export function installCommand(missing: SystemPackage[]): string;
export function missingMessage(missing: SystemPackage[], suites: string[]): string;
export function ensureSystemPackages(suites: string[], root: string, log?: (line: string) => void): boolean;
