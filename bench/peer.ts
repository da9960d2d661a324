// The PyTorch peer (bench/torch_peer.py) as a child process spoken to in JSON lines, one answer per
// request, so that the bench can interleave its own repetitions with the peer's.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

export type PeerAnswer = Record<string, unknown> & { ok: boolean; error?: string; unavailable?: string };

export class TorchPeer {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly reader: Interface,
    readonly stderr: string[],
  ) {
    this.lines = reader[Symbol.asyncIterator]();
  }

  /** starts the peer; resolves to a reason instead when python or torch is not there */
  static async start(python: string, threads: number): Promise<{ peer: TorchPeer; info: PeerAnswer } | { reason: string }> {
    const child = spawn(python, [join(__dirname, 'torch_peer.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const spawnError = new Promise<string>((resolve) => child.on('error', (error) => resolve(`cannot run ${python}: ${error.message}`)));
    const peer = new TorchPeer(child, createInterface({ input: child.stdout }), stderr);
    const answer = await Promise.race([peer.request({ cmd: 'hello', threads }).catch((e: unknown) => (e instanceof Error ? e.message : String(e))), spawnError]);
    if (typeof answer === 'string') return { reason: answer };
    if (answer.unavailable !== undefined) return { reason: answer.unavailable };
    return { peer, info: answer };
  }

  async request(message: Record<string, unknown>): Promise<PeerAnswer> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const next = await this.lines.next();
    if (next.done === true) throw new Error(`the PyTorch peer exited: ${this.stderr.join('').trim() || 'no message'}`);
    const answer = JSON.parse(next.value) as PeerAnswer;
    if (!answer.ok && answer.unavailable === undefined) throw new Error(`the PyTorch peer failed on "${String(message['cmd'])}": ${answer.error}`);
    return answer;
  }

  async close(): Promise<void> {
    await this.request({ cmd: 'quit' }).catch(() => undefined);
    this.reader.close();
    this.child.kill();
  }
}
