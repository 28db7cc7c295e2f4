// When a periodic task is due: a period is a stretch of time (five minutes, an hour, a day, a
// week) in UTC, named by its start. A task runs once per period; the period's key is its start.
export interface Period {
  /** "every 5 minutes", "weekly on Monday at 07:00 UTC": for `tasks list` and the console. */
  readonly description: string;
  /** The start of the period holding `at`. */
  startOf(at: Date): Date;
  /** The start of the period after the one starting at `start`. */
  next(start: Date): Date;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** Periods of `minutes` minutes, aligned on the hour (every 5 minutes: :00, :05…); 60 is hourly. */
export function everyMinutes(minutes: number): Period {
  if (!Number.isInteger(minutes) || minutes < 1 || (60 % minutes !== 0 && minutes % 60 !== 0) || minutes > DAY / MINUTE) {
    throw new RangeError(`a period of ${minutes} minutes does not divide an hour or a day evenly; use 1-60 dividing 60, or whole hours`);
  }
  const length = minutes * MINUTE;
  return {
    description: minutes === 60 ? "hourly" : minutes % 60 === 0 ? `every ${minutes / 60} hours` : `every ${minutes} minutes`,
    startOf: (at) => new Date(Math.floor(at.getTime() / length) * length),
    next: (start) => new Date(start.getTime() + length),
  };
}

/** One period a day, starting at `hour`:00 UTC. */
export function daily(hour = 0): Period {
  const offset = hour * 60 * MINUTE;
  return {
    description: `daily at ${String(hour).padStart(2, "0")}:00 UTC`,
    startOf: (at) => new Date(Math.floor((at.getTime() - offset) / DAY) * DAY + offset),
    next: (start) => new Date(start.getTime() + DAY),
  };
}

/** One period a week, starting on `weekday` (0 = Sunday, 1 = Monday…) at `hour`:00 UTC. */
export function weekly(weekday = 1, hour = 7): Period {
  const day = daily(hour);
  return {
    description: `weekly on ${WEEKDAYS[weekday]} at ${String(hour).padStart(2, "0")}:00 UTC`,
    startOf(at) {
      const dayStart = day.startOf(at);
      const back = (dayStart.getUTCDay() - weekday + 7) % 7;
      return new Date(dayStart.getTime() - back * DAY);
    },
    next: (start) => new Date(start.getTime() + 7 * DAY),
  };
}
