// Maps JSON-RPC cancellation tokens onto the engine's CancelSignal.
import type { CancellationToken } from 'vscode-jsonrpc';
import type { CancelSignal } from '../util/cancelSignal';

/** A CancelSignal that is cancelled by the request's token or by an explicit cancel() call. */
export class RequestCancelSignal implements CancelSignal {
  private explicit = false;
  constructor(private readonly token?: CancellationToken) {}

  get cancelled(): boolean {
    return this.explicit || (this.token?.isCancellationRequested ?? false);
  }

  cancel(): void {
    this.explicit = true;
  }
}
