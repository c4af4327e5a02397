// Waits for a process that is not our child to be gone. Used when the prober died while its probe
// children were still running: they are re-parented (to init or a subreaper, which reaps them), so we can
// no longer wait for them and instead poll kill(pid, 0) until it fails with ESRCH (kill(2)).
export function whenGone(pid: number, intervalMs = 250): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      try {
        process.kill(pid, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') return resolve();
      }
      setTimeout(check, intervalMs).unref();
    };
    if (pid <= 0) resolve();
    else check();
  });
}
