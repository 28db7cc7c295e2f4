// The one way pages refresh themselves: every `every` ms, while `while` holds and the tab is
// visible, it polls: by default it reloads the page's loader data (skipped while a reload is still
// under way), or it calls `poll` (e.g. a fetcher loading a resource route). A hidden tab asks the
// server for nothing; when it shows again it polls at once, then on the interval.
// Used by the public status page, the console's tenant page and its live logs.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

export interface PollingOptions {
  /** Milliseconds between two polls. */
  every: number;
  /** Polls only while this is true (e.g. "the tenant is not settled yet"). */
  while: boolean;
  /** What to do at each tick; by default, revalidate the page's loaders. */
  poll?: () => void;
}

export function usePolling(options: PollingOptions): void {
  const revalidator = useRevalidator();
  const poll = useRef<() => void>(() => undefined);
  poll.current =
    options.poll ??
    (() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    });
  const { every, while: active } = options;

  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(() => poll.current(), every);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") {
        poll.current();
        start();
      } else stop();
    };
    if (document.visibilityState === "visible") start();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [every, active]);
}
