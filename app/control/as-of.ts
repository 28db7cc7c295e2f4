// The `--at` time of `npm run tasks -- run-due`: an ISO 8601 date or date-time ("2027-01-04" is
// midnight UTC), or nothing for now.
export function parseAsOf(value: string | undefined, now: Date): { date: Date } | { error: string } {
  if (value === undefined || value === "") return { date: now };
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
  const date = new Date(/T/.test(value) && !/(Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value);
  if (!iso.test(value) || Number.isNaN(date.getTime())) {
    return { error: `"${value}" is not a date: give an ISO 8601 time such as 2027-01-04 or 2027-01-04T09:30:00Z (UTC unless it says otherwise)` };
  }
  return { date };
}
