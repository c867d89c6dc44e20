import type { TxResult, TxRun } from './baseline-tx.ts';
import type { Ctx } from './context.ts';

/**
 * Runs holds or payments through the server's own transaction code in the baseline process (baseline-tx.ts), on
 * the API server's cores with --pin, and stops the process afterwards.
 */
export async function sameTransaction(ctx: Ctx, job: TxRun): Promise<{ rps: number; p99: number }> {
  const { proc } = await ctx.baseline('tx');
  try {
    const result = await new Promise<TxResult>((resolve, reject) => {
      const onMessage = (msg: { type?: string }) => {
        if (msg.type !== 'tx-result') return;
        proc.child.off('message', onMessage);
        resolve(msg as TxResult);
      };
      proc.child.on('message', onMessage);
      proc.child.once('exit', (code) => reject(new Error(`the transaction baseline exited (${code})`)));
      proc.child.send(job);
    });
    if (result.error) throw new Error(`transaction baseline: ${result.error}`);
    return { rps: result.rps, p99: result.p99 };
  } finally {
    proc.child.kill('SIGTERM');
  }
}
