// The pause between two polls of a background loop, which `wake` cuts short (new work, or stop).
export interface IdleTimer {
  idle(ms: number): Promise<void>;
  wake(): void;
}

export function idleTimer(): IdleTimer {
  let wakeUp: () => void = () => {};
  return {
    idle: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    wake: () => wakeUp(),
  };
}
