// The commands that run the engine on the workspace's files, and so need a trusted workspace
// (package.json declares `untrustedWorkspaces: limited`; see workspaceTrust.ts). Plain data, tested without vscode.
export const COMMANDS_NEEDING_TRUST: readonly string[] = [
  'revnet.newModelConfig',
  'revnet.trainModel',
  'revnet.openModel',
  'revnet.inspectModel',
  'revnet.invertTensor',
];
