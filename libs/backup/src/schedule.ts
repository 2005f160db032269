// Pure: a service's backup schedule as systemd OnCalendar, and how old its last backup may get.

const named: Record<string, { calendar: string; seconds: number }> = {
  hourly: { calendar: 'hourly', seconds: 3600 },
  daily: { calendar: '*-*-* 03:00:00', seconds: 86_400 },
  weekly: { calendar: 'Sun *-*-* 03:00:00', seconds: 7 * 86_400 },
};

// The OnCalendar value of a schedule: the named ones at 03:00 (a quiet hour), an expression as written.
export function onCalendar(schedule: string): string {
  return named[schedule]?.calendar ?? schedule;
}

// The longest a schedule waits between two runs, in seconds (an OnCalendar expression counts as daily
// unless it names an hour only: then hourly).
export function intervalSeconds(schedule: string): number {
  const known = named[schedule];
  if (known) return known.seconds;
  return /^\*-\*-\* \*:[0-9]{2}(:[0-9]{2})?$/.test(schedule) ? 3600 : 86_400;
}

// How old the last successful backup may get before the alert fires: two intervals and an hour, so a
// single slow or missed run (a reboot at 03:00) does not page, and two do.
export function maxAgeSeconds(schedule: string): number {
  return 2 * intervalSeconds(schedule) + 3600;
}
