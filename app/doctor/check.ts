// One line of `npm run doctor`: what was checked, whether it is fine, what was found, and (for a
// problem) what to do, naming the variable to set or the command to run. Details never carry a
// secret: URLs are shown without their credentials (redactUrl).

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** For a problem: the fix, naming the variable or the command. Empty when ok. */
  fix: string;
}

export const passed = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail, fix: "" });
export const problem = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });

/** A URL with its user name kept and its password, query and fragment removed. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return "(unreadable URL)";
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString();
}
